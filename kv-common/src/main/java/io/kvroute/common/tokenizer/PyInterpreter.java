package io.kvroute.common.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A jinjava interpreter that prints values as Jinja2 does: strings verbatim, booleans as {@code True}/{@code False},
 * lists and dicts as Python reprs ({@code ['a', 1]}, {@code {'k': 1.5, 'n': None}}), floats as Python floats.
 * A bare null prints as "": jinjava cannot tell None from undefined, and printing an undefined value (the common
 * case, e.g. a missing key) gives "" in Jinja2. (jinjava's "Pyish" mapper is not used: it escapes control
 * characters inside plain strings, which would corrupt message content.)
 */
final class PyInterpreter extends JinjavaInterpreter {

  static final InterpreterFactory FACTORY = new InterpreterFactory() {
    @Override
    public JinjavaInterpreter newInstance(JinjavaInterpreter original) {
      return new PyInterpreter(original);
    }

    @Override
    public JinjavaInterpreter newInstance(Jinjava jinjava, Context context, JinjavaConfig config) {
      return new PyInterpreter(jinjava, context, config);
    }
  };

  private PyInterpreter(Jinjava jinjava, Context context, JinjavaConfig config) {
    super(jinjava, context, config);
  }

  private PyInterpreter(JinjavaInterpreter original) {
    super(original);
  }

  @Override
  public String getAsString(Object object) {
    if (object == null) {
      return "";
    }
    if (object instanceof CharSequence s) {
      return s.toString();
    }
    StringBuilder out = new StringBuilder();
    repr(out, object, 0);
    return out.toString();
  }

  /** Python's {@code repr} of JSON-like values ({@code str()} of a container reprs its items). */
  static void repr(StringBuilder out, Object value, int depth) {
    if (depth > 256) {
      out.append("...");
    } else if (value == null) {
      out.append("None");
    } else if (value instanceof Boolean b) {
      out.append(b ? "True" : "False");
    } else if (value instanceof CharSequence s) {
      if (depth == 0) {
        out.append(s);
      } else {
        stringRepr(out, s.toString());
      }
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof BigInteger) {
      out.append(value);
    } else if (value instanceof Number n) {
      String r = PyJson.floatRepr(n.doubleValue());
      out.append(r.equals("NaN") ? "nan" : r.equals("Infinity") ? "inf" : r.equals("-Infinity") ? "-inf" : r);
    } else if (value instanceof Map<?, ?> map) {
      out.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        repr(out, e.getKey(), depth + 1);
        out.append(": ");
        repr(out, e.getValue(), depth + 1);
        if (it.hasNext()) {
          out.append(", ");
        }
      }
      out.append('}');
    } else if (value instanceof List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(", ");
        }
        repr(out, list.get(i), depth + 1);
      }
      out.append(']');
    } else {
      out.append(value);
    }
  }

  /** CPython {@code str.__repr__}: single quotes unless the text has ' and no ", escapes non-printables. */
  static void stringRepr(StringBuilder out, String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    out.append(quote);
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      i += Character.charCount(c);
      if (c == quote || c == '\\') {
        out.append('\\').appendCodePoint(c);
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\x%02x", c));
      } else if (c < 0x7f || isPrintable(c)) {
        out.appendCodePoint(c);
      } else if (c < 0x100) {
        out.append(String.format("\\x%02x", c));
      } else if (c < 0x10000) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.append(String.format("\\U%08x", c));
      }
    }
    out.append(quote);
  }

  /** CPython {@code str.isprintable} for one code point: not Cc, Cf, Cs, Co, Cn, Zl, Zp, or Zs other than ' '. */
  private static boolean isPrintable(int c) {
    return switch (Character.getType(c)) {
      case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
          Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
      case Character.SPACE_SEPARATOR -> c == ' ';
      default -> true;
    };
  }
}
