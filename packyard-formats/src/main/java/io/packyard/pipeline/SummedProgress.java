package io.packyard.pipeline;

import io.packyard.python.util.Progress;

/**
 * Progress of several jobs running at once, reported as one: steps and warnings pass through,
 * and the amounts are the sums of every part's latest report.
 */
final class SummedProgress {
    private final Progress target;
    private final long[] done;
    private final long[] total;

    SummedProgress(Progress target, int parts) {
        this.target = target;
        this.done = new long[parts];
        this.total = new long[parts];
    }

    Progress part(int index) {
        return new Progress() {
            @Override
            public void step(String message) {
                // each format announces itself; the combined step was announced already
            }

            @Override
            public void advance(long d, long t) {
                long sumDone;
                long sumTotal;
                synchronized (SummedProgress.this) {
                    done[index] = d;
                    total[index] = t;
                    sumDone = 0;
                    sumTotal = 0;
                    for (int i = 0; i < done.length; i++) {
                        sumDone += done[i];
                        sumTotal += total[i];
                    }
                }
                target.advance(sumDone, sumTotal);
            }

            @Override
            public void warn(String message) {
                target.warn(message);
            }
        };
    }
}
