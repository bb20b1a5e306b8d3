package io.kvroute.gateway.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop streaming load: {@code concurrency} virtual users each send a streamed request, wait for the end,
 * and send the next, until {@code total} requests are done. Records client-side TTFT (first SSE data line carrying
 * generated text) and end-to-end time in microsecond HdrHistograms. All callbacks run on one event loop.
 */
final class StreamLoad {

  /** Result of one run. */
  record Result(Histogram ttftMicros, Histogram e2eMicros, int errors, long wallNanos) {
  }

  /** A streamed response as a client assembles it: the generated text and usage.prompt_tokens (-1 if absent). */
  record Answer(String text, int promptTokens) {
  }

  /** What each virtual user sends; a stateful source (a conversation per user) also sees each answer. */
  interface Requests {
    /** The body of request {@code index} (0-based over the run) sent by virtual user {@code user}. */
    Buffer body(int user, int index);

    /** Whether {@link #answered} needs the generated text (then the response is kept and parsed). */
    default boolean wantsAnswers() {
      return false;
    }

    /** The answer to {@code user}'s last request, or null when it failed. */
    default void answered(int user, Answer answer) {
    }

    /** Called on the load's event loop when the first recorded request is issued (steady state begins). */
    default void steadyStart() {
    }

    /** Called on the load's event loop when the first request after the recorded ones is issued. */
    default void steadyEnd() {
    }
  }

  private final Vertx vertx;
  private final HttpClient client;

  StreamLoad(Vertx vertx, int concurrency) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(concurrency + 8));
  }

  Future<Result> run(String url, int concurrency, int total, IntFunction<Buffer> body) {
    return run(url, concurrency, total, body, 0);
  }

  Future<Result> run(String url, int concurrency, int total, IntFunction<Buffer> body, long thinkMs) {
    return run(url, concurrency, total, (Requests) (user, index) -> body.apply(index), thinkMs);
  }

  /**
   * As {@link #run(String, int, int, IntFunction)} with bodies from {@code requests}, each virtual user pausing a
   * random 0.5–1.5 × {@code thinkMs} (mean {@code thinkMs}) after each response before its next request: fewer
   * requests per second than a tight loop, so the machine need not be saturated. 0 = no pause. When {@code total} is at least 4 × concurrency, the
   * first and the last {@code concurrency} requests are not recorded: they start together in a burst, or finish
   * while the load winds down, and would measure the ramp rather than the steady state.
   */
  Future<Result> run(String url, int concurrency, int total, Requests requests, long thinkMs) {
    Histogram ttft = new Histogram(60_000_000L, 3);
    Histogram e2e = new Histogram(600_000_000L, 3);
    AtomicInteger issued = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    Promise<Result> finished = Promise.promise();
    long start = System.nanoTime();
    int skip = total >= 4 * concurrency ? concurrency : 0;
    java.util.function.IntConsumer[] next = new java.util.function.IntConsumer[1];
    next[0] = user -> {
      int i = issued.getAndIncrement();
      if (i >= total) {
        return;
      }
      boolean record = i >= skip && i < total - skip;
      if (i == skip) {
        requests.steadyStart();
      }
      if (i == total - skip) {
        requests.steadyEnd();
      }
      Buffer answer = requests.wantsAnswers() ? Buffer.buffer() : null;
      one(url, requests.body(user, i), record ? ttft : null, record ? e2e : null, answer).onComplete(ar -> {
        if (ar.failed()) {
          errors.incrementAndGet();
        }
        if (answer != null) {
          requests.answered(user, ar.succeeded() ? answer(answer.toString()) : null);
        }
        if (done.incrementAndGet() == total) {
          if (skip == 0) {
            requests.steadyEnd();
          }
          finished.tryComplete(new Result(ttft, e2e, errors.get(), System.nanoTime() - start));
        } else if (thinkMs > 0) {
          long pause = Math.max(1, (long) (thinkMs * (0.5 + java.util.concurrent.ThreadLocalRandom.current()
              .nextDouble())));
          vertx.setTimer(pause, id -> next[0].accept(user));
        } else {
          next[0].accept(user);
        }
      });
    };
    vertx.runOnContext(v -> {
      for (int c = 0; c < concurrency; c++) {
        next[0].accept(c);
      }
    });
    return finished.future();
  }

  /** The generated text and prompt size of a streamed chat or completions response body (SSE). */
  static Answer answer(CharSequence sse) {
    StringBuilder text = new StringBuilder();
    int promptTokens = -1;
    for (String line : sse.toString().split("\n")) {
      if (!line.startsWith("data: {")) {
        continue;
      }
      io.vertx.core.json.JsonObject chunk = new io.vertx.core.json.JsonObject(line.substring(6));
      io.vertx.core.json.JsonObject usage = chunk.getJsonObject("usage");
      if (usage != null && usage.getInteger("prompt_tokens") != null) {
        promptTokens = usage.getInteger("prompt_tokens");
      }
      io.vertx.core.json.JsonArray choices = chunk.getJsonArray("choices");
      if (choices == null || choices.isEmpty()) {
        continue;
      }
      io.vertx.core.json.JsonObject c0 = choices.getJsonObject(0);
      io.vertx.core.json.JsonObject delta = c0.getJsonObject("delta");
      String piece = delta != null ? delta.getString("content") : c0.getString("text");
      if (piece != null) {
        text.append(piece);
      }
    }
    return new Answer(text.toString(), promptTokens);
  }

  private Future<Void> one(String url, Buffer body, Histogram ttft, Histogram e2e, Buffer answer) {
    long t0 = System.nanoTime();
    boolean[] first = {false};
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
            .putHeader("Content-Type", "application/json"))
        .compose(req -> req.send(body))
        .compose(resp -> {
          if (resp.statusCode() != 200) {
            return resp.body().compose(b -> Future.failedFuture("HTTP " + resp.statusCode() + ": " + b));
          }
          Promise<Void> p = Promise.promise();
          resp.handler(buf -> {
            if (answer != null) {
              answer.appendBuffer(buf);
            }
            // The first data line with generated text; the role-only chat chunk has "content":"" and no text.
            if (!first[0] && containsText(buf)) {
              first[0] = true;
              if (ttft != null) {
                ttft.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
              }
            }
          });
          resp.exceptionHandler(p::tryFail);
          resp.endHandler(v -> {
            if (e2e != null) {
              e2e.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
            }
            p.tryComplete();
          });
          return p.future();
        });
  }

  /** Whether an SSE buffer holds a non-empty "text" or "content" string (the role chunk's "content":"" is not). */
  static boolean containsText(Buffer buf) {
    String s = buf.toString();
    return nonEmpty(s, "\"text\":\"") || nonEmpty(s, "\"content\":\"");
  }

  private static boolean nonEmpty(String s, String key) {
    for (int i = s.indexOf(key); i >= 0; i = s.indexOf(key, i + 1)) {
      int v = i + key.length();
      if (v < s.length() && s.charAt(v) != '"') {
        return true;
      }
    }
    return false;
  }

  Future<Void> close() {
    return client.close();
  }
}
