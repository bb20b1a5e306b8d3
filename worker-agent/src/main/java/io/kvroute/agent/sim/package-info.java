/**
 * A simulated TensorRT-LLM engine (DESIGN §7): {@link io.kvroute.agent.sim.SimEngine} (continuous batching on
 * its own thread) over {@link io.kvroute.agent.sim.BlockManager} (refcounted blocks with prefix reuse and LRU
 * eviction, TRT-LLM-style events), timed by {@link io.kvroute.agent.sim.TimingModel}, serving the trtllm-serve
 * HTTP API through {@link io.kvroute.agent.sim.SimHttpVerticle}. Run alone with
 * {@link io.kvroute.agent.sim.SimEngineMain}.
 */
package io.kvroute.agent.sim;
