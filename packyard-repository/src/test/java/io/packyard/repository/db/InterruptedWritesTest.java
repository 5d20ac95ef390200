package io.packyard.repository.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.Repository;
import io.packyard.repository.index.IndexSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Threads interrupted while they write (a cancelled build's worker, a stopping server) must not
 * take the embedded database down: H2 runs on its "retry" file system, which reopens a file
 * channel that an interrupt closed instead of closing the database.
 */
class InterruptedWritesTest {

    @TempDir
    Path dir;

    @Test
    void interruptingWritersLeavesTheDatabaseUsable() throws Exception {
        try (Repository repo = Repository.builder().dataDir(dir).build()) {
            AtomicInteger created = new AtomicInteger();
            for (int round = 0; round < 30; round++) {
                List<Thread> writers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    String name = "r" + round + "-t" + t;
                    writers.add(Thread.ofPlatform().start(() -> {
                        for (int i = 0; i < 50 && !Thread.currentThread().isInterrupted(); i++) {
                            try {
                                repo.indexes().create(IndexSpec.hosted(name + "-" + i));
                                created.incrementAndGet();
                            } catch (RuntimeException e) {
                                // an interrupted statement may fail; the database must survive it
                            }
                        }
                    }));
                }
                Thread.sleep(3);
                writers.forEach(Thread::interrupt);
                for (Thread w : writers) {
                    w.join();
                }
            }
            // still open, still writable, and everything acknowledged is there
            repo.indexes().create(IndexSpec.hosted("after"));
            assertThat(repo.indexes().list()).hasSizeGreaterThanOrEqualTo(created.get() + 1);
        }
        try (Repository reopened = Repository.builder().dataDir(dir).build()) {
            assertThat(reopened.indexes().find("after")).isPresent();
        }
    }
}
