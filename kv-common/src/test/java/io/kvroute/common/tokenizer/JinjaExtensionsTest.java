package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JinjaExtensionsTest {

  @Test
  void shouldFormatDatesLikePythonStrftime() {
    // Expected strings are CPython datetime.strftime outputs for the same instants.
    assertThat(JinjaExtensions.strftime(ZonedDateTime.of(2024, 7, 26, 9, 5, 3, 0, ZoneOffset.UTC),
        "%d %b %Y %H:%M:%S %A %a %B %p %I %j %y %% %Q"))
        .isEqualTo("26 Jul 2024 09:05:03 Friday Fri July AM 09 208 24 % %Q");
    assertThat(JinjaExtensions.strftime(ZonedDateTime.of(2024, 1, 2, 15, 0, 0, 0, ZoneOffset.UTC), "%I%p %m"))
        .isEqualTo("03PM 01");
  }

  @Test
  void shouldExposeStrftimeNowToTemplates() throws ChatTemplateException {
    String year = String.valueOf(ZonedDateTime.now().getYear());
    assertThat(new ChatTemplate("Today: {{ strftime_now('%Y') }}").render(Map.of("messages", List.of())))
        .isIn("Today: " + year, "Today: " + (Integer.parseInt(year) + 1)); // new year's eve
  }
}
