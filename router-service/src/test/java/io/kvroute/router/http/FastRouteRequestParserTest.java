package io.kvroute.router.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The one-pass parser against the general (Jackson) path: on random requests and on random corruptions of them it
 * either declines (null) or returns exactly what the general path returns; it never accepts what the general path
 * refuses, and it does take every plain request (ASCII, no escapes, integers).
 */
class FastRouteRequestParserTest {

  private static final String[] WS = {"", "", "", " ", "\n", "\t", "\r\n  "};
  private static final String[] UNKNOWN = {"{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"}", "true", "false", "null", "1.5",
      "-3e2", "\"esc\\\"aped\\u00e9\"", "[]", "{}", "[[[[]]]]", "12345678901234567890123", "-7", "\"\u00e9t\u00e9\""};
  private static final String[] STRINGS = {"r-1", "", "adapter a", "caf\u00e9", "tab\\tbed", "q\\\"uote", "\\u0041"};

  @Test
  void shouldEqualTheGeneralParserOrDecline() {
    SplittableRandom rnd = new SplittableRandom(6);
    int plainTaken = 0;
    int mutatedTaken = 0;
    for (int n = 0; n < 4000; n++) {
      boolean plain = n % 2 == 0;
      String json = request(rnd, plain);
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      RouteRequest fast = FastRouteRequestParser.tryParse(body);
      checkAgainstGeneral(body, fast, json);
      if (plain) {
        assertThat(fast).as("plain request declined: %s", json).isNotNull();
        plainTaken++;
      }
      byte[] mutated = mutate(rnd, body);
      RouteRequest m = FastRouteRequestParser.tryParse(mutated);
      checkAgainstGeneral(mutated, m, new String(mutated, StandardCharsets.ISO_8859_1));
      if (m != null) {
        mutatedTaken++;
      }
    }
    assertThat(plainTaken).isEqualTo(2000);
    assertThat(mutatedTaken).as("some corruptions stay valid JSON").isPositive();
  }

  @Test
  void shouldReadEdgeHashesInOnePass() {
    RouteRequest r = FastRouteRequestParser.tryParse(("{\"local_hashes\":[0,-0,18446744073709551615,"
        + "\"18446744073709551615\",-9223372036854775808,\"-9223372036854775808\",\"007\",9223372036854775808],"
        + "\"num_tokens\":-3,\"exclude\":[4,\"w\"],\"tokens\":[4294967295,0]}").getBytes(StandardCharsets.UTF_8));
    assertThat(r).isNotNull();
    assertThat(r.localHashes()).containsExactly(0L, 0L, -1L, -1L, Long.MIN_VALUE, Long.MIN_VALUE, 7L,
        Long.MIN_VALUE);
    assertThat(r.numTokens()).isEqualTo(-3);
    assertThat(r.exclude()).containsExactlyInAnyOrder("worker-4", "w");
    assertThat(r.tokens()).containsExactly(-1, 0);
    // out of range, leading zero, fraction: declined (the general path names the error)
    for (String bad : new String[] {"[18446744073709551616]", "[-9223372036854775809]", "[01]", "[1.0]",
        "[\"18446744073709551616\"]", "[\" 1\"]", "[1e3]", "[123456789012345678901]"}) {
      assertThat(FastRouteRequestParser.tryParse(("{\"local_hashes\":" + bad + "}")
          .getBytes(StandardCharsets.UTF_8))).as(bad).isNull();
    }
  }

  private static void checkAgainstGeneral(byte[] body, RouteRequest fast, String shown) {
    RouteRequest general;
    try {
      general = RouteRequestParser.parseGeneral(body);
    } catch (ApiException e) {
      assertThat(fast).as("accepted what the general path refuses (%s): %s", e.getMessage(), shown).isNull();
      return;
    }
    if (fast != null) {
      assertThat(same(fast, general)).as("differs from the general path: %s", shown).isTrue();
    }
  }

  private static boolean same(RouteRequest a, RouteRequest b) {
    return Objects.equals(a.requestId(), b.requestId()) && Arrays.equals(a.localHashes(), b.localHashes())
        && Arrays.equals(a.tokens(), b.tokens()) && a.numTokens() == b.numTokens()
        && Objects.equals(a.lora(), b.lora()) && Objects.equals(a.cacheSalt(), b.cacheSalt())
        && a.expectedOutputTokens() == b.expectedOutputTokens() && Objects.equals(a.policy(), b.policy())
        && Objects.equals(a.exclude(), b.exclude()) && a.blockSize() == b.blockSize();
  }

  private static String request(SplittableRandom rnd, boolean plain) {
    StringBuilder sb = new StringBuilder(ws(rnd)).append('{');
    int fields = rnd.nextInt(7);
    for (int f = 0; f < fields; f++) {
      if (f > 0) {
        sb.append(ws(rnd)).append(',');
      }
      String name = switch (rnd.nextInt(12)) {
        case 0 -> "request_id";
        case 1, 2, 3 -> "local_hashes";
        case 4 -> "tokens";
        case 5 -> "num_tokens";
        case 6 -> "lora";
        case 7 -> "cache_salt";
        case 8 -> "max_tokens";
        case 9 -> "policy";
        case 10 -> "exclude";
        default -> plain ? "block_size" : "extra";
      };
      sb.append(ws(rnd)).append('"').append(name).append('"').append(ws(rnd)).append(':').append(ws(rnd));
      if (rnd.nextInt(10) == 0) {
        sb.append("null");
        continue;
      }
      switch (name) {
        case "local_hashes" -> {
          sb.append('[');
          int k = rnd.nextInt(6);
          for (int j = 0; j < k; j++) {
            sb.append(j > 0 ? "," : "").append(ws(rnd)).append(hash(rnd, plain)).append(ws(rnd));
          }
          sb.append(']');
        }
        case "tokens" -> sb.append('[').append(rnd.nextInt(1 << 20)).append(',').append(ws(rnd))
            .append(Integer.toUnsignedString(rnd.nextInt())).append(']');
        case "num_tokens", "max_tokens", "block_size" -> sb.append(plain || rnd.nextBoolean()
            ? Integer.toString(rnd.nextInt(-5, 100_000)) : rnd.nextInt(100) + ".0");
        case "exclude" -> sb.append("[\"w-").append(rnd.nextInt(9)).append("\",").append(rnd.nextInt(9)).append(']');
        case "extra" -> sb.append(UNKNOWN[rnd.nextInt(UNKNOWN.length)]);
        default -> sb.append('"').append(plain ? "id-" + rnd.nextInt(1000) : STRINGS[rnd.nextInt(STRINGS.length)])
            .append('"');
      }
    }
    return sb.append(ws(rnd)).append('}').append(ws(rnd)).toString();
  }

  private static String hash(SplittableRandom rnd, boolean plain) {
    long v = rnd.nextInt(4) == 0 ? rnd.nextInt(1000) - 500 : rnd.nextLong();
    String digits = rnd.nextBoolean() ? Long.toUnsignedString(v) : Long.toString(v);
    if (plain) {
      return rnd.nextBoolean() ? digits : '"' + digits + '"';
    }
    return switch (rnd.nextInt(6)) {
      case 0 -> "\" " + digits + "\"";
      case 1 -> "\"+" + digits.replace("-", "") + "\"";
      case 2 -> digits + "9";
      case 3 -> "\"0" + digits.replace("-", "") + "\"";
      default -> digits;
    };
  }

  private static String ws(SplittableRandom rnd) {
    return WS[rnd.nextInt(WS.length)];
  }

  private static byte[] mutate(SplittableRandom rnd, byte[] body) {
    byte[] alphabet = "{}[]\",:0123456789-+.eE \\nul".getBytes(StandardCharsets.US_ASCII);
    return switch (rnd.nextInt(3)) {
      case 0 -> Arrays.copyOf(body, rnd.nextInt(body.length));
      case 1 -> {
        byte[] c = body.clone();
        c[rnd.nextInt(c.length)] = alphabet[rnd.nextInt(alphabet.length)];
        yield c;
      }
      default -> {
        int at = rnd.nextInt(body.length + 1);
        byte[] c = new byte[body.length + 1];
        System.arraycopy(body, 0, c, 0, at);
        c[at] = alphabet[rnd.nextInt(alphabet.length)];
        System.arraycopy(body, at, c, at + 1, body.length - at);
        yield c;
      }
    };
  }
}
