package io.packyard.cli;

import io.packyard.python.PackyardException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code packyard}: the command line. Each subcommand is one class in this package. */
@Command(
        name = "packyard",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Ship a Python application as self-contained, offline installers.",
        subcommands = {BuildCommand.class, PublishCommand.class, ServeCommand.class, WorkerCommand.class, BuildsCommand.class, IndexCommand.class, TokenCommand.class, FsckCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  packyard build examples/hello-cli --python host:3.11",
                "  packyard build . --format deb,rpm --out dist",
                "  packyard help build"})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI and returns the exit code: 0 success, 1 build failure, 2 usage or config error. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof PackyardException pe) {
                commandLine.getErr().println("packyard: error: " + pe.getMessage());
                return pe.kind().exitCode();
            }
            commandLine.getErr().println("packyard: internal error: " + ex);
            if (System.getenv("PACKYARD_DEBUG") != null) {
                ex.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("packyard: (set PACKYARD_DEBUG=1 for the stack trace)");
            }
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Reads the version from the jar manifest, falling back to the development version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"packyard " + (v == null ? "0.1.0-dev" : v)};
        }
    }
}
