package io.packyard.builds.model;

import java.time.Instant;
import java.util.Optional;

/** A piece of a build's log; ids grow in log order, so a reader follows with "after id". */
public record LogChunk(long id, long buildId, Optional<Long> jobId, Instant at, String text) {}
