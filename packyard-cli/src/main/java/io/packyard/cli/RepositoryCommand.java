package io.packyard.cli;

import io.packyard.repository.Repository;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;

/**
 * A subcommand that works on the repository of {@link RepositoryOptions} ({@code --data},
 * {@code --database}): checks its options, opens the repository, runs, closes it, exits 0. Errors
 * are {@link io.packyard.python.PackyardException}s, reported by {@link Main}.
 */
abstract class RepositoryCommand implements Callable<Integer> {

    @Mixin
    RepositoryOptions repository;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Checks the options before the repository is opened, so that a usage error creates nothing. */
    void check() {}

    /** The command's work; {@code out} is standard output. */
    abstract void run(Repository repo, PrintWriter out);

    /** Standard error, for details beside the output proper. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        check();
        try (Repository repo = repository.open()) {
            run(repo, spec.commandLine().getOut());
        }
        return 0;
    }
}
