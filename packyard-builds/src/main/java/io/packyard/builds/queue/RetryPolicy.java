package io.packyard.builds.queue;

import java.time.Duration;

/**
 * How infrastructure failures (a lost worker, a network or disk fault) are retried: up to
 * {@code maxAttempts} claims in all, the n-th retry after {@code firstDelay * 2^(n-1)}, at most
 * {@code maxDelay}. A build's own failure is never retried.
 */
public record RetryPolicy(int maxAttempts, Duration firstDelay, Duration maxDelay) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofSeconds(10), Duration.ofMinutes(10));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** The delay before the attempt after {@code attempt} failed attempts (attempt ≥ 1). */
    public Duration delayAfter(int attempt) {
        int shift = Math.min(Math.max(attempt - 1, 0), 30);
        Duration d = firstDelay.multipliedBy(1L << shift);
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }
}
