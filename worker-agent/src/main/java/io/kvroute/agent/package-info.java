/**
 * The worker agent: one runs beside each engine (DESIGN §3, §4).
 * <pre>
 * engine ─▶ engine.*Adapter (own thread) ─▶ events.TrtllmNormalizer / KvPayloadDecoder ─▶ events.KvEventLog
 *                                                                  (seq, BlockTable, ReplayRing)
 *                                                                        │
 *                                              publish.ZmqPublisher ◀────┘  (own thread: KV PUB + metrics PUB)
 * http.AgentHttpVerticle: generation proxy, /v1/kv/events, /v1/kv/snapshot, /v1/info, health, metrics
 * http.RouterRegistrar:   POST /v1/workers to every router, every 2 s
 * sim:                    the simulated TensorRT-LLM engine (in-process for --engine sim, or SimEngineMain)
 * </pre>
 */
package io.kvroute.agent;
