package io.kvroute.router.core;

/**
 * A target the router may choose, as the service sees it: {@code queueThresholdExceeded} and draining/down
 * workers are filtered by the service before calling the core.
 */
public record Candidate(Target target) {
}
