package io.kvroute.common.tokenizer;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} and {@code dict} methods that chat templates call and jinjava lacks (it only exposes Java
 * methods): {@code startswith}, {@code endswith}, {@code strip}/{@code lstrip}/{@code rstrip}, {@code split},
 * {@code upper}, {@code lower}, {@code title}, {@code capitalize}, {@code replace}, {@code join}, {@code find},
 * {@code count}, {@code splitlines}, {@code isspace}/{@code isdigit}/{@code isalpha}; {@code dict.get(k, default)},
 * {@code keys}, {@code values}, {@code items}. Semantics follow CPython (whitespace is {@code str.isspace}).
 * Resolves nothing else, so the default jinjava resolver handles the rest.
 */
final class PyMethodResolver extends ELResolver {

  @Override
  public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
    if (!(method instanceof String name)) {
      return null;
    }
    Object[] args = params == null ? new Object[0] : params;
    Object result;
    if (base instanceof String s) {
      result = stringMethod(s, name, args);
    } else if (base instanceof Map<?, ?> map) {
      result = mapMethod(map, name, args);
    } else {
      return null;
    }
    if (result == NOT_HANDLED) {
      return null;
    }
    context.setPropertyResolved(true);
    return result;
  }

  private static final Object NOT_HANDLED = new Object();

  private static Object mapMethod(Map<?, ?> map, String name, Object[] args) {
    return switch (name) {
      case "get" -> args.length == 2 ? (map.containsKey(args[0]) ? map.get(args[0]) : args[1]) : NOT_HANDLED;
      case "keys" -> args.length == 0 ? new ArrayList<>(map.keySet()) : NOT_HANDLED;
      case "values" -> args.length == 0 ? new ArrayList<>(map.values()) : NOT_HANDLED;
      case "items" -> {
        if (args.length != 0) {
          yield NOT_HANDLED;
        }
        List<List<Object>> items = new ArrayList<>(map.size());
        map.forEach((k, v) -> {
          List<Object> pair = new ArrayList<>(2);
          pair.add(k);
          pair.add(v);
          items.add(pair);
        });
        yield items;
      }
      default -> NOT_HANDLED;
    };
  }

  private static Object stringMethod(String s, String name, Object[] args) {
    return switch (name) {
      case "startswith" -> args.length >= 1 ? affix(s, args[0], true) : NOT_HANDLED;
      case "endswith" -> args.length >= 1 ? affix(s, args[0], false) : NOT_HANDLED;
      case "strip" -> strip(s, chars(args), true, true);
      case "lstrip" -> strip(s, chars(args), true, false);
      case "rstrip" -> strip(s, chars(args), false, true);
      case "split" -> split(s, args.length > 0 ? (String) args[0] : null,
          args.length > 1 ? ((Number) args[1]).intValue() : -1);
      case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
      case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
      case "title" -> title(s);
      case "capitalize" -> s.isEmpty() ? s
          : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
      case "replace" -> args.length >= 2 ? replace(s, String.valueOf(args[0]), String.valueOf(args[1]),
          args.length > 2 ? ((Number) args[2]).intValue() : -1) : NOT_HANDLED;
      case "join" -> args.length == 1 && args[0] instanceof Iterable<?> items ? join(s, items) : NOT_HANDLED;
      case "find" -> args.length == 1 ? (long) s.indexOf(String.valueOf(args[0])) : NOT_HANDLED;
      case "count" -> args.length == 1 ? (long) count(s, String.valueOf(args[0])) : NOT_HANDLED;
      case "splitlines" -> splitlines(s);
      case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PyMethodResolver::isSpace);
      case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
      case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
      default -> NOT_HANDLED;
    };
  }

  private static List<String> splitlines(String s) {
    if (s.isEmpty()) {
      return List.of();
    }
    String[] parts = s.split("\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]", -1);
    // Python drops the empty string after a trailing line break.
    int n = parts[parts.length - 1].isEmpty() ? parts.length - 1 : parts.length;
    return List.of(parts).subList(0, n);
  }

  private static boolean affix(String s, Object arg, boolean prefix) {
    if (arg instanceof Iterable<?> options) {
      for (Object option : options) {
        if (affix(s, option, prefix)) {
          return true;
        }
      }
      return false;
    }
    String a = String.valueOf(arg);
    return prefix ? s.startsWith(a) : s.endsWith(a);
  }

  private static String chars(Object[] args) {
    return args.length > 0 && args[0] != null ? String.valueOf(args[0]) : null;
  }

  /** CPython {@code str.isspace} for one code point. */
  static boolean isSpace(int c) {
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
        || c == 0x3000;
  }

  private static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    if (left) {
      while (start < end && stripped(s.charAt(start), chars)) {
        start++;
      }
    }
    if (right) {
      while (end > start && stripped(s.charAt(end - 1), chars)) {
        end--;
      }
    }
    return s.substring(start, end);
  }

  private static boolean stripped(char c, String chars) {
    return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
  }

  private static List<String> split(String s, String sep, int maxSplit) {
    List<String> out = new ArrayList<>();
    if (sep == null) {
      int i = 0;
      int n = s.length();
      while (true) {
        while (i < n && isSpace(s.charAt(i))) {
          i++;
        }
        if (i == n) {
          break;
        }
        if (maxSplit >= 0 && out.size() == maxSplit) {
          int end = n;
          while (end > i && isSpace(s.charAt(end - 1))) {
            end--;
          }
          out.add(s.substring(i, end));
          break;
        }
        int j = i;
        while (j < n && !isSpace(s.charAt(j))) {
          j++;
        }
        out.add(s.substring(i, j));
        i = j;
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw new IllegalArgumentException("empty separator");
    }
    int from = 0;
    while (maxSplit < 0 || out.size() < maxSplit) {
      int at = s.indexOf(sep, from);
      if (at < 0) {
        break;
      }
      out.add(s.substring(from, at));
      from = at + sep.length();
    }
    out.add(s.substring(from));
    return out;
  }

  private static String replace(String s, String old, String replacement, int count) {
    if (count < 0) {
      return s.replace(old, replacement);
    }
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (int done = 0; done < count; done++) {
      int at = s.indexOf(old, from);
      if (at < 0) {
        break;
      }
      out.append(s, from, at).append(replacement);
      from = at + old.length();
      if (old.isEmpty()) {
        if (from < s.length()) {
          out.append(s.charAt(from));
        }
        from++;
        if (from > s.length()) {
          return out.toString();
        }
      }
    }
    return out.append(s.substring(Math.min(from, s.length()))).toString();
  }

  private static String join(String sep, Iterable<?> items) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (Object item : items) {
      if (!(item instanceof CharSequence)) {
        throw new IllegalArgumentException("sequence item: expected str instance, "
            + (item == null ? "NoneType" : item.getClass().getSimpleName()) + " found");
      }
      if (!first) {
        out.append(sep);
      }
      first = false;
      out.append(item);
    }
    return out.toString();
  }

  private static int count(String s, String sub) {
    if (sub.isEmpty()) {
      return s.length() + 1;
    }
    int n = 0;
    for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
      n++;
    }
    return n;
  }

  /** Python {@code str.title}: upper-case a letter after a non-letter, lower-case the others. */
  private static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean previousCased = false;
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      out.appendCodePoint(previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
      previousCased = Character.isLetter(c);
      i += Character.charCount(c);
    }
    return out.toString();
  }

  @Override
  public Class<?> getCommonPropertyType(ELContext context, Object base) {
    return null;
  }

  @Override
  public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
    return null;
  }

  @Override
  public Class<?> getType(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public Object getValue(ELContext context, Object base, Object property) {
    return null;
  }

  @Override
  public boolean isReadOnly(ELContext context, Object base, Object property) {
    return true;
  }

  @Override
  public void setValue(ELContext context, Object base, Object property, Object value) {
    // resolves no properties
  }
}
