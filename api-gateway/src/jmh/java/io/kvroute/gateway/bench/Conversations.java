package io.kvroute.gateway.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.SplittableRandom;

/**
 * Multi-turn chat load (benchmark support): every virtual user holds a conversation and, like a chat client, sends
 * the whole history each turn: the shared system prompt, every earlier user message and every answer it got back
 * (the generated text, verbatim), then a new user message. The first user message is a long unique text
 * ({@code firstTokens}, a pasted document), later ones are shorter unique questions ({@code turnTokens}); after
 * {@code turns} requests the user starts a new conversation. A failed request also starts a new one.
 */
final class Conversations implements StreamLoad.Requests {

  static final String SYSTEM_PROMPT = "You are the support assistant of a KV-cache-aware LLM router. Answer "
      + "precisely, cite the component (gateway, router, agent, engine) that each fact is about, and keep answers "
      + "short unless the user asks for detail.";
  private static final String[] WORDS = {"cache", "router", "token", "block", "prefix", "worker", "stream",
      "latency", "engine", "batch"};

  private final JsonArray[] history;
  private final int[] turnOf;
  private final long seedBase;
  private final int firstTokens;
  private final int turnTokens;
  private final int turns;
  private final int maxTokens;
  private long nextConversation;
  private long turnsSent;
  private long historyMessages;
  private long answers;
  private long promptTokens;

  Conversations(int users, long seedBase, int firstTokens, int turnTokens, int turns, int maxTokens) {
    this.history = new JsonArray[users];
    this.turnOf = new int[users];
    this.seedBase = seedBase;
    this.firstTokens = firstTokens;
    this.turnTokens = turnTokens;
    this.turns = turns;
    this.maxTokens = maxTokens;
  }

  @Override
  public Buffer body(int user, int index) {
    if (history[user] == null || turnOf[user] >= turns) {
      history[user] = new JsonArray().add(message("system", SYSTEM_PROMPT));
      turnOf[user] = 0;
      nextConversation++;
    }
    long seed = seedBase + nextConversation * 1_000 + turnOf[user] + 7L * user;
    String text = turnOf[user] == 0 ? words("conversation " + seedBase + "/" + nextConversation + "/" + user
        + " document:", seed, firstTokens - 40) : words("question " + turnOf[user] + ":", seed, turnTokens);
    history[user].add(message("user", text));
    turnOf[user]++;
    turnsSent++;
    historyMessages += history[user].size();
    return new JsonObject().put("messages", history[user]).put("max_tokens", maxTokens)
        .put("min_tokens", maxTokens).put("ignore_eos", true).put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true)).toBuffer();
  }

  @Override
  public boolean wantsAnswers() {
    return true;
  }

  @Override
  public void answered(int user, StreamLoad.Answer answer) {
    if (answer == null) {
      history[user] = null; // start over
      return;
    }
    history[user].add(message("assistant", answer.text()));
    if (answer.promptTokens() >= 0) {
      answers++;
      promptTokens += answer.promptTokens();
    }
  }

  /** Mean prompt tokens of the answered requests (usage.prompt_tokens), or NaN when none reported it. */
  double meanPromptTokens() {
    return answers == 0 ? Double.NaN : (double) promptTokens / answers;
  }

  /** Mean number of messages per request sent so far (system + user + assistant). */
  double meanMessages() {
    return turnsSent == 0 ? 0 : (double) historyMessages / turnsSent;
  }

  private static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  /** {@code prefix} then {@code count} random words (~1 token each). */
  static String words(String prefix, long seed, int count) {
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(prefix.length() + count * 7).append(prefix);
    for (int i = 0; i < count; i++) {
      sb.append(' ').append(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return sb.toString();
  }
}
