package io.kvroute.common.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The globals, filters and tags HuggingFace adds to its Jinja environment ({@code transformers}
 * chat_template_utils), implemented for jinjava: {@code raise_exception(msg)}, {@code strftime_now(fmt)}, the
 * {@code tojson} filter (Python {@code json.dumps} with {@code ensure_ascii=False}, replacing jinjava's
 * Jackson-based one) and the {@code {% generation %}} block of HF's AssistantTracker extension (renders its body;
 * HF only uses it to compute assistant-token masks).
 */
final class JinjaExtensions {

  private JinjaExtensions() {}

  /** Thrown by {@code raise_exception}; carries the template's own message to the caller. */
  static final class TemplateRaisedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TemplateRaisedException(String message) {
      super(message, null, false, false);
    }
  }

  /** {@code raise_exception(message)}: HF raises {@code TemplateError(message)}. */
  public static String raiseException(Object message) {
    throw new TemplateRaisedException(String.valueOf(message));
  }

  /** {@code strftime_now(format)}: HF returns {@code datetime.now().strftime(format)}. */
  public static String strftimeNow(String format) {
    return strftime(ZonedDateTime.now(), format);
  }

  /** The strftime directives chat templates use (Llama 3.x: "%d %b %Y"). Unknown directives are kept verbatim. */
  static String strftime(ZonedDateTime t, String format) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < format.length(); i++) {
      char c = format.charAt(i);
      if (c != '%' || i + 1 == format.length()) {
        out.append(c);
        continue;
      }
      char d = format.charAt(++i);
      switch (d) {
        case 'Y' -> out.append(t.getYear());
        case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
        case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
        case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
        case 'H' -> out.append(String.format("%02d", t.getHour()));
        case 'I' -> out.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
        case 'M' -> out.append(String.format("%02d", t.getMinute()));
        case 'S' -> out.append(String.format("%02d", t.getSecond()));
        case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
        case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
        case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
        case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
        case '%' -> out.append('%');
        default -> out.append('%').append(d);
      }
    }
    return out.toString();
  }

  /** HF's {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
  static final class ToJsonFilter implements Filter {

    @Override
    public String getName() {
      return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
      return filter(var, interpreter, args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
      Object indent = args.length > 0 ? args[0] : kwargs.get("indent");
      Object separators = kwargs.get("separators");
      Object sortKeys = kwargs.get("sort_keys");
      Object ensureAscii = kwargs.get("ensure_ascii");
      List<String> seps = null;
      if (separators instanceof List<?> list) {
        seps = list.stream().map(String::valueOf).toList();
      }
      PyJson.Options options = PyJson.Options.of(
          indent == null ? null : ((Number) (indent instanceof String s ? Integer.valueOf(s) : indent)).intValue(),
          seps, Boolean.TRUE.equals(sortKeys), Boolean.TRUE.equals(ensureAscii));
      return PyJson.dumps(var, options);
    }
  }

  /** {@code {% generation %}...{% endgeneration %}}: renders its body unchanged. */
  static final class GenerationTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
      return "generation";
    }

    @Override
    public String getEndTagName() {
      return "endgeneration";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
      StringBuilder out = new StringBuilder();
      for (Node child : tagNode.getChildren()) {
        out.append(child.render(interpreter).getValue());
      }
      return out.toString();
    }
  }
}
