package io.kvroute.common.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a chat template with short stand-ins for long message contents, then puts the contents back. Jinjava
 * copies a content at every {@code +} of an expression such as {@code '<|im_start|>' + role + '\n' + content} (and
 * again as its builders grow): ~86 KB of garbage for a ~3 KB chat. With stand-ins the render is the same small job
 * whatever the contents' length.
 *
 * <p>The output is the same only if the template prints contents as they are and never looks inside them.
 * {@link #printsContentVerbatim} checks that in the template's source: every use of a message's {@code content}
 * must be an operand of {@code +}, a printed expression or a bare {@code if} test, never filtered, compared,
 * searched, sliced or assigned. A stand-in keeps its content's leading and trailing whitespace, so anything the
 * engine does to a value's edges it does alike, and is non-empty exactly when the content is, so truthiness agrees.
 * Each stand-in carries a random nonce per render, so no input can forge one. {@link ChatTemplate} also checks the
 * first renders, and a sample after them, against a plain render.
 */
final class ContentSubstitution {

  /** Contents shorter than this in total are rendered as they are: nothing worth saving. */
  static final int MIN_CONTENT_CHARS = 256;
  private static final char OPEN = '\uE000';
  private static final char CLOSE = '\uE001';

  /** {@code .content} or {@code ['content']} / {@code ["content"]}. */
  private static final Pattern CONTENT = Pattern.compile("\\.\\s*content\\b|\\[\\s*(['\"])content\\1\\s*]");
  /** The operand a content access ends: a name followed by subscripts and attributes, at the end of the text. */
  private static final Pattern OPERAND = Pattern.compile(
      "[A-Za-z_]\\w*(?:\\s*\\[[^\\[\\]{}]*]|\\s*\\.\\s*[A-Za-z_]\\w*)*\\s*$");
  private static final Pattern BEFORE_OK = Pattern.compile("(?:\\+|\\{\\{-?|\\{%-?\\s*(?:el)?if)\\s*$");
  private static final Pattern AFTER_OK = Pattern.compile("^\\s*(?:\\+|-?}}|-?%})");
  private static final Pattern CONTENT_WORD = Pattern.compile("\\bcontent\\b");

  private final List<Object> messages;
  private final String[] contents;
  private final String nonce;

  private ContentSubstitution(List<Object> messages, String[] contents, String nonce) {
    this.messages = messages;
    this.contents = contents;
    this.nonce = nonce;
  }

  /** True when every use of a message content in {@code template} (HF source) is one whose output a stand-in keeps. */
  static boolean printsContentVerbatim(String template) {
    Matcher m = CONTENT.matcher(template);
    int accesses = 0;
    while (m.find()) {
      accesses++;
      Matcher operand = OPERAND.matcher(template.substring(0, m.start()));
      if (!operand.find()) {
        return false;
      }
      String before = template.substring(0, operand.start());
      if (!BEFORE_OK.matcher(before).find() || !AFTER_OK.matcher(template.substring(m.end())).find()) {
        return false;
      }
    }
    // Any other mention (message.get('content'), a key built from parts, a variable named content) is not checked.
    return accesses > 0 && CONTENT_WORD.matcher(template).results().count() == accesses;
  }

  /**
   * {@code messages} (validated: maps whose content is a string or absent) with each content of some length
   * replaced by its stand-in; null when there is nothing worth replacing.
   */
  static ContentSubstitution of(List<?> messages) {
    long total = 0;
    for (Object m : messages) {
      if (m instanceof Map<?, ?> map && map.get("content") instanceof String s) {
        total += s.length();
      }
    }
    if (total < MIN_CONTENT_CHARS) {
      return null;
    }
    String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
    List<Object> out = new ArrayList<>(messages.size());
    List<String> contents = new ArrayList<>();
    StringBuilder stand = new StringBuilder(48);
    for (Object m : messages) {
      if (m instanceof Map<?, ?> map && map.get("content") instanceof String s && replaceable(s)) {
        int start = 0;
        int end = s.length();
        while (start < end && Character.isWhitespace(s.charAt(start))) {
          start++;
        }
        while (end > start && Character.isWhitespace(s.charAt(end - 1))) {
          end--;
        }
        stand.setLength(0);
        stand.append(s, 0, start).append(OPEN).append(nonce).append(':').append(contents.size()).append(CLOSE)
            .append(s, end, s.length());
        contents.add(s.substring(start, end));
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) map);
        copy.put("content", stand.toString());
        out.add(copy);
      } else {
        out.add(m);
      }
    }
    return contents.isEmpty() ? null : new ContentSubstitution(out, contents.toArray(String[]::new), nonce);
  }

  /** Long enough to be worth it, not only whitespace, and free of the stand-ins' marker characters. */
  private static boolean replaceable(String s) {
    if (s.length() < 16 || s.isBlank()) {
      return false;
    }
    return s.indexOf(OPEN) < 0 && s.indexOf(CLOSE) < 0;
  }

  /** The messages to render. */
  List<Object> messages() {
    return messages;
  }

  /** {@code rendered} with each stand-in replaced by its content; null if it holds a stand-in it cannot resolve. */
  String fill(String rendered) {
    int extra = 0;
    for (String c : contents) {
      extra += c.length();
    }
    StringBuilder out = new StringBuilder(rendered.length() + extra);
    int from = 0;
    int open;
    while ((open = rendered.indexOf(OPEN, from)) >= 0) {
      int close = rendered.indexOf(CLOSE, open);
      int colon = open + 1 + nonce.length();
      if (close < 0 || colon >= close || !rendered.startsWith(nonce, open + 1) || rendered.charAt(colon) != ':') {
        return null;
      }
      int index;
      try {
        index = Integer.parseInt(rendered, colon + 1, close, 10);
      } catch (NumberFormatException e) {
        return null;
      }
      if (index < 0 || index >= contents.length) {
        return null;
      }
      out.append(rendered, from, open).append(contents[index]);
      from = close + 1;
    }
    return out.append(rendered, from, rendered.length()).toString();
  }
}
