package io.kvroute.agent.sim;

/**
 * Configuration of one simulated TensorRT-LLM engine.
 *
 * @param host          address the HTTP surface binds (loopback when embedded in an agent)
 * @param port          HTTP port; 0 = ephemeral
 * @param model         model name served by {@code /v1/models} and echoed in responses
 * @param blockSize     tokens per KV block (TRT-LLM {@code tokens_per_block})
 * @param numBlocks     KV-cache capacity in blocks
 * @param maxBatchSize  most requests scheduled in one step
 * @param maxNumTokens  most tokens (prefill chunk tokens + one per decode) computed in one step
 * @param speedup       every simulated duration is divided by this factor
 * @param windowSize    attention window reported on every KV event ({@code window_size})
 * @param eventBufferMaxSize KV events kept until drained; the oldest are dropped beyond (as TRT-LLM does)
 * @param maxModelLen   longest prompt + output in tokens
 */
public record SimConfig(String host, int port, String model, int blockSize, int numBlocks, int maxBatchSize,
    int maxNumTokens, double speedup, int windowSize, int eventBufferMaxSize, int maxModelLen) {

  public static final String DEFAULT_MODEL = "Qwen/Qwen2.5-0.5B-Instruct";

  public SimConfig {
    if (blockSize <= 0 || numBlocks <= 0 || maxBatchSize <= 0 || maxNumTokens <= 0 || !(speedup > 0)
        || eventBufferMaxSize <= 0 || maxModelLen <= 0) {
      throw new IllegalArgumentException("sim engine sizes and speedup must be positive");
    }
  }

  /** Defaults of the shared CLI contract (block 32, 16384 blocks, batch 64, 8192 tokens, speed-up 1). */
  public static SimConfig defaults() {
    return new SimConfig("127.0.0.1", 0, DEFAULT_MODEL, 32, 16384, 64, 8192, 1.0, 32768, 100_000, 32768);
  }

  public SimConfig withPort(String newHost, int newPort) {
    return new SimConfig(newHost, newPort, model, blockSize, numBlocks, maxBatchSize, maxNumTokens, speedup,
        windowSize, eventBufferMaxSize, maxModelLen);
  }

  public SimConfig withCapacity(int newBlockSize, int newNumBlocks, int newMaxBatchSize, int newMaxNumTokens,
      double newSpeedup) {
    return new SimConfig(host, port, model, newBlockSize, newNumBlocks, newMaxBatchSize, newMaxNumTokens, newSpeedup,
        windowSize, eventBufferMaxSize, maxModelLen);
  }

  public SimConfig withModel(String newModel) {
    return new SimConfig(host, port, newModel, blockSize, numBlocks, maxBatchSize, maxNumTokens, speedup,
        windowSize, eventBufferMaxSize, maxModelLen);
  }
}
