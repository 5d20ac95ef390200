package io.packyard.cli;

import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormats;
import io.packyard.pipeline.BuildPipeline;
import io.packyard.pipeline.BuildRequest;
import io.packyard.pipeline.BuildResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code packyard build}: project → bundle → packages. */
@Command(
        name = "build",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Build self-contained installers for a Python project.",
            "",
            "The project's wheel is built by its PEP 517 backend on a host Python (offline, no build isolation). "
                    + "Dependencies come from the lock file when one is given; otherwise Packyard's own resolver "
                    + "resolves [project].dependencies for the TARGET (its markers and wheel tags, not this machine's) "
                    + "from --find-links directories and --index-url. Packyard installs every wheel itself (no pip), "
                    + "compiles bytecode at build time and bundles the interpreter, so installing a package needs "
                    + "no compiler, no pip and no network."
        },
        footer = {"", "Examples:",
                "  # .deb, .rpm and .tar.gz, with a relocated copy of the host's CPython 3.11:",
                "  packyard build examples/hello-cli --python host:3.11",
                "",
                "  # only a .deb, wheels from a directory and a private index, into ./out:",
                "  packyard build . --format deb --find-links wheels/ \\",
                "      --index-url http://127.0.0.1:8080/simple/ --out out",
                "",
                "  # a Windows installer and portable zip, built on Linux (a host Python 3.12",
                "  # builds the wheel and compiles bytecode; the Windows CPython is downloaded):",
                "  packyard build . --target windows-x64 --format msi,zip --python 3.12",
                "",
                "  # an OCI image on a base from a local archive, pushed to a registry:",
                "  packyard build . --format oci --push registry.example.org/team/app:1.0",
                "",
                "  # pinned dependencies from a lock file, python-build-standalone 3.12:",
                "  packyard build . --lock pylock.toml --python 3.12",
                "",
                "  # reproducible output: the same inputs give byte-identical packages",
                "  SOURCE_DATE_EPOCH=1700000000 packyard build .",
                "",
                "  # the same .deb bytes on every build machine (XZ for Java, not the host's xz):",
                "  PACKYARD_XZ=java packyard build . --format deb",
                "",
                "Environment:",
                "  SOURCE_DATE_EPOCH   timestamp of every package (default: the last git commit)",
                "  PACKYARD_CACHE_DIR  downloaded interpreters and wheels, compiled bytecode,",
                "                      dpkg-shlibdeps results (~/.cache/packyard); safe to delete",
                "  PACKYARD_XZ         .deb compressor: auto (liblzma via xz if found), liblzma,",
                "                      java (XZ for Java)",
                "",
                "Exit status: 0 success, 1 build failure, 2 usage or configuration error."})
public final class BuildCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "PROJECT_DIR", description = "Directory holding pyproject.toml (default: the current directory).")
    Path projectDir = Path.of(".");

    @Option(names = "--format", paramLabel = "FORMATS", description = "Comma-separated formats: deb, rpm, tar.gz (Linux), msi, zip (Windows), onefile (Linux, windows-x64), oci (Linux) (these two built only when named). Default: the installers and archives of the target.")
    String formats;

    @Option(names = "--target", paramLabel = "TARGET", description = "Target platform: linux-x86_64, linux-aarch64, windows-x64, windows-arm64 (default: this machine).")
    String target;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: PROJECT_DIR/dist).")
    Path out;

    @Option(names = "--python", paramLabel = "SPEC", description = {
        "Interpreter to bundle, overriding [tool.packyard].python:",
        "  3.12 or 3.12.7      python-build-standalone, downloaded, verified and cached",
        "  archive:PATH        a local install_only .tar.gz",
        "  host:PATH|X.Y       a copy of a host CPython prefix, relocated (RUNPATH rewritten)",
        "  system              no interpreter inside; the package depends on python3"})
    String python;

    @Option(names = "--find-links", paramLabel = "DIR", description = "Directory of wheels to use (repeatable); searched before the index.")
    List<Path> findLinks = new ArrayList<>();

    @Option(names = "--index-url", paramLabel = "URL", description = "PEP 691/503 simple index to fetch wheels from.")
    String indexUrl;

    @Option(names = "--lock", paramLabel = "FILE", description = "pylock.toml, or requirements.txt with == pins and --hash; disables resolution.")
    Path lock;

    @Option(names = "--source-date-epoch", paramLabel = "SECONDS", description = "Timestamp for every file in the packages (default: $SOURCE_DATE_EPOCH, else the project's last git commit, else 1980-01-01).")
    Long sourceDateEpoch;

    @Option(names = "--push", paramLabel = "REF", description = "With --format oci: push the image to this registry reference"
            + " (e.g. registry.example.org/team/app:1.0). Credentials: $PACKYARD_REGISTRY_USERNAME and"
            + " $PACKYARD_REGISTRY_PASSWORD, else the Docker/Podman auth files and credential helpers.")
    String push;

    @Option(names = {"-q", "--quiet"}, description = "Print only errors and the names of the packages written.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ConsoleProgress progress = new ConsoleProgress(spec.commandLine().getErr(), quiet);
        Target t = target == null ? Target.host() : Target.parse(target);
        BuildRequest.Builder builder = BuildRequest.builder()
                .projectDir(projectDir)
                .target(t)
                .formats(formats == null ? PackageFormats.defaultsFor(t) : PackageFormats.parse(formats))
                .outDir(Optional.ofNullable(out).orElse(projectDir.resolve("dist")))
                .python(Optional.ofNullable(python))
                .findLinks(findLinks)
                .indexUrl(Optional.ofNullable(indexUrl))
                .lock(Optional.ofNullable(lock))
                .push(Optional.ofNullable(push))
                .progress(progress);
        if (sourceDateEpoch != null) {
            if (sourceDateEpoch < 0) {
                throw io.packyard.python.PackyardException.config("--source-date-epoch: must not be negative");
            }
            builder.sourceDateEpoch(sourceDateEpoch);
        }
        BuildRequest request = builder.build();
        BuildResult result = BuildPipeline.run(request);
        for (Path p : result.packages()) {
            spec.commandLine().getOut().println(p);
        }
        result.pushed().ifPresent(r -> spec.commandLine().getOut().println("pushed " + r));
        return 0;
    }
}
