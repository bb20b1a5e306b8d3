package io.kvroute.router.http;

import java.util.Set;

/**
 * The fields of a routing request as they are read, field by field, and the one mapping from JSON names to them that
 * both parsers use ({@link FastRouteRequestParser}, {@link RouteRequestParser}): each supplies a reader of the value
 * at hand, this class decides which field it fills.
 */
final class RouteRequestFields {

  /** Reads the value the parser stands on; {@code field} names it in error messages. */
  interface ValueReader<E extends Exception> {
    String text(String field) throws E;

    long[] hashes(String field) throws E;

    int[] tokenIds(String field) throws E;

    int intValue(String field) throws E;

    Set<String> workerIds(String field) throws E;

    void skip() throws E;
  }

  private String requestId;
  private long[] hashes;
  private int[] tokens;
  private int numTokens = -1;
  private String lora;
  private String salt;
  private int expected;
  private String policy;
  private Set<String> exclude;
  private int blockSize;

  /** Reads the value of {@code field} into its field (an unknown field's value is skipped). */
  <E extends Exception> void read(String field, ValueReader<E> value) throws E {
    switch (field) {
      case "request_id" -> requestId = value.text(field);
      case "local_hashes" -> hashes = value.hashes(field);
      case "tokens", "token_ids" -> tokens = value.tokenIds(field);
      case "num_tokens" -> numTokens = value.intValue(field);
      case "lora", "lora_name" -> lora = value.text(field);
      case "cache_salt" -> salt = value.text(field);
      case "expected_output_tokens", "max_tokens" -> expected = value.intValue(field);
      case "policy" -> policy = value.text(field);
      case "exclude" -> exclude = value.workerIds(field);
      case "block_size" -> blockSize = value.intValue(field);
      default -> value.skip();
    }
  }

  RouteRequest build() {
    return new RouteRequest(requestId, hashes, tokens, numTokens, lora, salt, expected, policy, exclude, blockSize);
  }
}
