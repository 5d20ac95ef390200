package io.packyard.builds.worker;

import io.packyard.builds.exec.StepFailure;
import io.packyard.builds.queue.ClaimedJob;
import java.io.IOException;

/** Runs the steps a worker takes. An {@link IOException} counts as an infrastructure fault (retried). */
public interface StepExecutor {

    void execute(ClaimedJob job, JobContext ctx) throws StepFailure, IOException;
}
