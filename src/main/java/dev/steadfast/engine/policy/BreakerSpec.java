package dev.steadfast.engine.policy;

import java.time.Duration;

/**
 * A resolved circuit breaker policy; {@code key} is null when the default (host + model) applies.
 */
public record BreakerSpec(
    String key,
    int failureRateThreshold,
    int slidingWindowSize,
    int minimumCalls,
    Duration openDuration,
    int halfOpenCalls) {}
