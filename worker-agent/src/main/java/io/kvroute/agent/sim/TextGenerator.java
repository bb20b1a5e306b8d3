package io.kvroute.agent.sim;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic, readable output: sentences of common English words chosen by a random stream seeded by the
 * prompt and the request seed, turned into real token ids by the model's tokenizer. Same prompt + seed → same
 * text. Not thread-safe (one per engine thread); the word encodings are cached.
 */
final class TextGenerator {

  private static final String[] WORDS = {
      "the", "cache", "router", "sends", "each", "request", "to", "a", "worker", "that", "already", "holds",
      "longest", "prefix", "of", "its", "blocks", "and", "keeps", "load", "balanced", "across", "fleet",
      "while", "tokens", "flow", "through", "engine", "quickly", "with", "low", "latency", "model", "answers",
      "every", "question", "in", "clear", "simple", "words", "so", "users", "see", "results", "sooner", "than",
      "before", "memory", "is", "reused", "when", "prompts", "share", "history", "context", "grows", "over",
      "time", "but", "scheduler", "finds", "best", "place", "for", "new", "work"};

  private final TextModel text;
  private final Map<String, int[]> encoded = new HashMap<>();

  TextGenerator(TextModel text) {
    this.text = text;
  }

  /** Per-request generation state. */
  final class Stream {
    private final SplittableRandom rng;
    private int[] pending = new int[0];
    private int pendingPos;
    private int wordsInSentence;
    private final int naturalLength;

    Stream(long seed, int[] prompt, int promptLength) {
      long h = seed * 0x9E3779B97F4A7C15L;
      for (int i = 0; i < promptLength; i++) {
        h = (h ^ prompt[i]) * 0x100000001B3L;
      }
      this.rng = new SplittableRandom(h);
      this.naturalLength = 16 + rng.nextInt(112);
    }

    /** Output length at which the sequence ends by itself (end of sequence) unless ignore_eos. */
    int naturalLength() {
      return naturalLength;
    }

    /** The next output token id. */
    int next() {
      while (pendingPos >= pending.length) {
        pending = nextWordTokens();
        pendingPos = 0;
      }
      return pending[pendingPos++];
    }

    private int[] nextWordTokens() {
      String w = WORDS[rng.nextInt(WORDS.length)];
      String piece;
      if (wordsInSentence == 0) {
        piece = " " + Character.toUpperCase(w.charAt(0)) + w.substring(1);
      } else {
        piece = " " + w;
      }
      wordsInSentence++;
      if (wordsInSentence >= 6 && rng.nextInt(4) == 0) {
        piece = piece + ".";
        wordsInSentence = 0;
      }
      return encoded.computeIfAbsent(piece, k -> {
        int[] ids = text.encode(k);
        return ids.length == 0 ? new int[] {0} : ids;
      });
    }
  }
}
