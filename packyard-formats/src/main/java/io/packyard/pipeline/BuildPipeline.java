package io.packyard.pipeline;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.Layout;
import io.packyard.bundle.Target;
import io.packyard.bundle.WindowsPaths;
import io.packyard.formats.sign.AuthenticodeSigner;
import io.packyard.bundle.interpreter.Interpreter;
import io.packyard.bundle.interpreter.InterpreterProvisioner;
import io.packyard.bundle.interpreter.InterpreterSpec;
import io.packyard.bundle.project.Pep517Builder;
import io.packyard.bundle.project.Project;
import io.packyard.bundle.stage.ElfStripper;
import io.packyard.bundle.stage.SearchPaths;
import io.packyard.formats.PackageFormat;
import io.packyard.python.PackyardException;
import io.packyard.python.index.FindLinks;
import io.packyard.python.index.SimpleIndexClient;
import io.packyard.python.index.WheelSource;
import io.packyard.python.lock.Lock;
import io.packyard.python.markers.MarkerEnvironment;
import io.packyard.python.requirements.Requirement;
import io.packyard.python.resolve.Resolution;
import io.packyard.python.resolve.ResolvedWheel;
import io.packyard.python.resolve.Resolver;
import io.packyard.python.tags.Platforms;
import io.packyard.python.tags.SupportedTags;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import io.packyard.python.version.Version;
import io.packyard.python.wheel.BytecodeCompiler;
import io.packyard.python.wheel.InstallScheme;
import io.packyard.python.wheel.InstalledDistribution;
import io.packyard.python.wheel.LauncherWriter;
import io.packyard.python.wheel.WheelFilename;
import io.packyard.python.wheel.WheelInstaller;
import io.packyard.python.wheel.WindowsLauncherWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The one build pipeline, used by {@code packyard build} and by the build service:
 *
 * <pre>
 * pyproject.toml → Project → interpreter → project wheel (PEP 517) → dependencies (lock or resolver,
 * for the TARGET) → wheels installed into the stage → launchers, hooks, bytecode, RECORD → Bundle
 * → each PackageFormat → output directory (atomically: all packages or none)
 * </pre>
 */
public final class BuildPipeline {
    /** Bundle-relative directory of the hook launchers. */
    static final String HOOKS_DIR = "hooks";

    private BuildPipeline() {}

    public static BuildResult run(BuildRequest request) {
        Progress progress = request.progress();
        Project project = Project.load(request.projectDir());
        Target target = request.target();
        if (request.push().isPresent()
                && request.formats().stream().noneMatch(io.packyard.formats.oci.OciFormat.class::isInstance)) {
            throw PackyardException.config("--push: only an OCI image can be pushed; add --format oci");
        }
        for (PackageFormat f : request.formats()) {
            if (!f.supports(target)) {
                throw PackyardException.config("--format: " + f.id() + " cannot be built for target " + target.id());
            }
            f.checkSettings();
        }
        long epoch = request.sourceDateEpoch().orElseGet(() -> SourceDate.of(project.dir()));
        Path work = createTempDir("packyard-build-");
        // Ctrl-C or SIGTERM: finally blocks do not run, shutdown hooks do. Remove the scratch
        // tree and any package still under its temporary name, so nothing half-written stays.
        Thread cleanup = new Thread(() -> {
            CLEANUP.forEach(BuildPipeline::deleteWithSiblings);
            FileTrees.deleteQuietly(work);
        }, "packyard-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Run run = new Run(request, project, target, epoch, work, progress);
        try {
            return run.execute();
        } finally {
            run.stopBackground();
            FileTrees.deleteQuietly(work);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    /** Where compiled bytecode is cached between builds ({@link BytecodeCompiler#withCache}). */
    private static Path bytecodeCache() {
        return io.packyard.python.util.CacheDir.root().resolve("bytecode");
    }

    /** Packages being written under temporary names, deleted if the JVM is stopped meanwhile. */
    private static final java.util.Set<Path> CLEANUP = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The state of one build. */
    private static final class Run {
        private final BuildRequest request;
        private final Project project;
        private final Target target;
        private final long epoch;
        private final Path work;
        private final Path stage;
        private final Progress progress;
        /** The standard library's bytecode, compiled while the application is staged (null until started). */
        private CompletableFuture<List<String>> stdlibBytecode;
        /** Its warnings, reported when it is awaited. */
        private final List<String> stdlibWarnings = java.util.Collections.synchronizedList(new ArrayList<>());

        Run(BuildRequest request, Project project, Target target, long epoch, Path work, Progress progress) {
            this.request = request;
            this.project = project;
            this.target = target;
            this.epoch = epoch;
            this.work = work;
            this.stage = work.resolve("stage");
            this.progress = progress;
        }

        BuildResult execute() {
            Project.Settings cfg = project.packyard();
            mkdirs(stage);

            // 1. the interpreter
            InterpreterSpec spec = request.python()
                    .map(s -> InterpreterSpec.parse(s, "--python", Path.of("")))
                    .orElseGet(() -> cfg.python()
                            .map(v -> InterpreterSpec.fromToml(v, cfg.pythonWhere(), project.dir()))
                            .orElseGet(() -> InterpreterSpec.parse(DEFAULT_PYTHON, "[tool.packyard].python (default)", project.dir())));
            progress.step("Provisioning the interpreter (" + spec.text() + ") for " + target.id());
            Interpreter interpreter = InterpreterProvisioner.builder().progress(progress)
                    .keep(java.util.Set.copyOf(cfg.pythonKeep())).build()
                    .provision(spec, target, stage.resolve("python"));
            Path hostPython = interpreter.hostExecutable().orElseThrow(() -> PackyardException.build(
                    "no Python " + interpreter.pythonXY() + " runs on this machine to build the project's wheel and"
                            + " compile bytecode; install one (or use --python host:" + interpreter.pythonXY() + ")"));

            MarkerEnvironment env = markerEnvironment(interpreter);
            SupportedTags tags = supportedTags(interpreter, cfg);
            InstallScheme scheme = target.os() == Target.Os.WINDOWS
                    ? InstallScheme.windows(interpreter.pythonXY(), interpreter.bundled())
                    : InstallScheme.posix(interpreter.pythonXY(), interpreter.bundled());
            boolean windows = target.os() == Target.Os.WINDOWS;
            String prefix = windows
                    ? WindowsPaths.typicalInstallDir(cfg.windows(), cfg.company(), cfg.product())
                    : new Layout(Layout.slug(cfg.company()), Layout.slug(cfg.product())).installPrefix();
            startStdlibBytecode(interpreter, hostPython, scheme, prefix);

            // 2. the project's wheel and local dependencies, through their PEP 517 backends
            Path built = work.resolve("built");
            Path buildPython = interpreter.buildExecutable().orElse(hostPython);
            Pep517Builder backend = Pep517Builder.builder().python(buildPython).sourceDateEpoch(epoch).progress(progress).build();
            Path projectWheel = backend.buildWheel(project.dir(), project.buildSystem(), built, where(project.dir()));
            Path projectSdist = request.formats().stream().anyMatch(io.packyard.formats.sdist.SdistFormat.class::isInstance)
                    ? backend.buildSdist(project.dir(), project.buildSystem(), work.resolve("sdist"), where(project.dir()))
                    : null;
            List<Path> localWheels = new ArrayList<>();
            localWheels.add(projectWheel);
            for (Path dir : cfg.localDependencies()) {
                if (!Files.isDirectory(dir)) {
                    throw PackyardException.config(cfg.localDependenciesWhere() + ": " + dir + " is not a directory");
                }
                Project local = Project.load(dir);
                localWheels.add(backend.buildWheel(dir, local.buildSystem(), built, where(dir)));
            }
            WheelFilename projectWheelName = WheelFilename.parse(projectWheel.getFileName().toString());
            if (tags.bestRank(projectWheelName.tags()).isEmpty()) {
                throw PackyardException.build(projectWheel.getFileName() + ": the project's wheel does not run on "
                        + target.id() + " with Python " + interpreter.pythonXY() + " (its tags: "
                        + projectWheelName.tags() + ")");
            }
            String version = project.version().orElse(Version.parse(projectWheelName.version()).toString());

            // 3. dependencies, for the target
            List<WheelSource> sources = sources(cfg);
            List<Path> wheels = dependencies(sources, localWheels, env, tags, interpreter, version);

            // 4. install every wheel
            // Windows hooks append their output to hooks\install.log, which the MSI removes on
            // uninstall (on Linux the maintainer scripts log to /var/log/<company>/<product>)
            LauncherWriter launchers = windows
                    ? new WindowsLauncherWriter(target == Target.WINDOWS_ARM64
                            ? WindowsLauncherWriter.Machine.ARM64 : WindowsLauncherWriter.Machine.X64)
                            .withHookLog(HOOKS_DIR + "/install.log")
                    : LauncherWriter.posix();
            WheelInstaller installer = WheelInstaller.builder().root(stage).scheme(scheme).launchers(launchers)
                    .progress(progress).build();
            progress.step("Installing " + wheels.size() + " wheels");
            List<InstalledDistribution> dists = new ArrayList<>();
            int n = 0;
            for (Path w : wheels) {
                dists.add(installer.install(w));
                progress.advance(++n, wheels.size());
            }
            InstalledDistribution self = dists.stream()
                    .filter(d -> io.packyard.python.names.ProjectName.normalize(d.name()).equals(project.normalizedName()))
                    .findFirst().orElseThrow();
            // the interpreter's optional parts (tkinter, lib2to3) that nothing installed imports,
            // deleted with their bytecode once the standard library is compiled
            awaitStdlibBytecode();
            io.packyard.bundle.interpreter.OptionalStdlib.trim(stage, interpreter, java.util.Set.copyOf(cfg.pythonKeep()),
                    List.of(scheme.purelib(), scheme.platlib()), progress);

            // 5. commands and hooks
            List<Command> commands = commands(self, dists, scheme);
            String postInstall = cfg.postInstall().map(h -> hook(launchers, scheme, "post-install", h)).orElse(null);
            String preUninstall = cfg.preUninstall().map(h -> hook(launchers, scheme, "pre-uninstall", h)).orElse(null);

            // 6. exclusions, symbols, bytecode, RECORD
            dists = exclude(dists, cfg.exclude(), scheme);
            if (target.os() == Target.Os.LINUX) {
                new SearchPaths(progress).clean(stage);
                if (cfg.strip()) {
                    new ElfStripper(progress).stripAll(stage);
                }
            }
            // the application's bytecode (the standard library's is compiled already)
            List<String> appDirs = List.of(scheme.purelib());
            BytecodeCompiler.deletePycache(stage, appDirs);
            List<String> pycs = new BytecodeCompiler(hostPython, interpreter.pythonXY(), epoch, progress)
                    .withCache(bytecodeCache()).compile(stage, prefix, appDirs);
            for (InstalledDistribution d : dists) {
                d.writeRecord(stage, d.bytecodeOf(pycs));
            }

            // 7. signed launchers ([tool.packyard.sign]; Windows only)
            Optional<AuthenticodeSigner> signer = signer(cfg);
            if (signer.isPresent()) {
                List<String> exes = new ArrayList<>(commands.stream().map(Command::launcher).toList());
                Optional.ofNullable(postInstall).ifPresent(exes::add);
                Optional.ofNullable(preUninstall).ifPresent(exes::add);
                progress.step("Signing " + exes.size() + " launchers");
                signer.get().signAll(stage, exes);
            }

            // 8. the bundle
            checkShortcuts(cfg, commands);
            // services run a command's launcher and may serve static files from site-packages (Linux packages only)
            List<io.packyard.bundle.Service> services = target.os() != Target.Os.LINUX ? List.of()
                    : io.packyard.formats.services.ServiceResolver.resolve(cfg.services(), commands,
                            dists.stream().flatMap(d -> d.consoleScripts().keySet().stream()).toList(),
                            scheme.scripts(), scheme.purelib(), stage);
            BundleMetadata metadata = new BundleMetadata(
                    project.normalizedName(), version, project.summary(), project.description(), project.homepage(),
                    project.license(), project.maintainer(), cfg.company(), cfg.product(), target,
                    interpreter.pythonXY(), interpreter.bundled(), commands, postInstall, preUninstall,
                    cfg.debDepends(), cfg.rpmRequires(), cfg.windows(), cfg.configFiles(), services, cfg.oci(),
                    cfg.deb(), cfg.rpm());
            Bundle bundle = Bundle.builder().metadata(metadata).root(stage).sourceDateEpoch(epoch)
                    .projectWheel(projectWheel).projectSdist(projectSdist).build();

            // 9. the packages: all written under temporary names, then renamed together
            List<Path> outputs = writePackages(bundle, signer);
            List<String> installed = dists.stream().map(d -> d.name() + "==" + d.version()).sorted().toList();
            Optional<String> pushed = request.push().map(ref -> push(bundle, ref));
            return new BuildResult(metadata, outputs, installed, pushed);
        }

        /**
         * Starts compiling a bundled interpreter's standard library (its site-packages left out)
         * on other threads: on two CPUs that fills the one the project's PEP 517 build and the
         * wheel installs leave idle. Its files are always compiled apart from the application's,
         * so the split never depends on timing. Deleting tkinter or lib2to3
         * ({@code OptionalStdlib}) waits for it and takes their bytecode along.
         */
        private void startStdlibBytecode(Interpreter interpreter, Path hostPython, InstallScheme scheme, String prefix) {
            if (!interpreter.bundled()) {
                return;
            }
            List<String> std = List.of(interpreter.stdlibDir());
            List<String> site = List.of(scheme.purelib());
            BytecodeCompiler.deletePycache(stage, std, site);
            BytecodeCompiler compiler = new BytecodeCompiler(hostPython, interpreter.pythonXY(), epoch,
                    Progress.warningsTo(stdlibWarnings::add))
                    .withCache(bytecodeCache());
            progress.step("Compiling the standard library's bytecode while the application is staged");
            stdlibBytecode = new CompletableFuture<>();
            Thread.ofPlatform().name("packyard-stdlib-bytecode").daemon().start(() -> {
                try {
                    stdlibBytecode.complete(compiler.compile(stage, prefix, std, site));
                } catch (Throwable t) {
                    stdlibBytecode.completeExceptionally(t);
                }
            });
        }

        /** Waits for {@link #startStdlibBytecode}; its failure is the build's. */
        private void awaitStdlibBytecode() {
            if (stdlibBytecode == null) {
                return;
            }
            try {
                io.packyard.python.util.Futures.await(stdlibBytecode, "compiling the standard library");
            } catch (IOException e) {
                throw PackyardException.build("bytecode compilation: " + e.getMessage(), e);
            } finally {
                // reported here, on the build's thread, not amid the wheel installs' progress
                synchronized (stdlibWarnings) {
                    stdlibWarnings.forEach(progress::warn);
                    stdlibWarnings.clear();
                }
            }
        }

        /** When the build failed early: lets the background work end before the scratch tree goes. */
        void stopBackground() {
            if (stdlibBytecode != null) {
                try {
                    stdlibBytecode.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException ignored) {
                    // the build has failed already, or this failure was reported
                }
            }
        }

        /** Pushes the OCI image to a registry; returns {@code reference@digest}. */
        private String push(Bundle bundle, String reference) {
            io.packyard.formats.oci.OciFormat oci = request.formats().stream()
                    .filter(io.packyard.formats.oci.OciFormat.class::isInstance)
                    .map(io.packyard.formats.oci.OciFormat.class::cast).findFirst().orElseThrow();
            progress.step("Pushing the image to " + reference);
            try {
                return reference + "@" + oci.push(bundle, reference, Optional.empty(), false, progress);
            } catch (IOException e) {
                throw PackyardException.build("--push " + reference + ": " + e.getMessage(), e);
            }
        }

        /** The signer of [tool.packyard.sign], for Windows targets; Linux packages are signed by their repositories. */
        private Optional<AuthenticodeSigner> signer(Project.Settings cfg) {
            if (cfg.sign().isEmpty() || target.os() != Target.Os.WINDOWS) {
                return Optional.empty();
            }
            return Optional.of(AuthenticodeSigner.from(cfg.sign().get(), progress)
                    .withDescription(cfg.product(), cfg.windows().documentationUrl().orElse(project.homepage())));
        }

        /** Every shortcut of [tool.packyard.msi] must start one of the commands. */
        private void checkShortcuts(Project.Settings cfg, List<Command> commands) {
            java.util.Set<String> names = new java.util.HashSet<>(commands.stream().map(Command::name).toList());
            for (Map<String, String> shortcuts : List.of(cfg.windows().startMenuShortcuts(), cfg.windows().desktopShortcuts())) {
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(shortcuts).entrySet()) {
                    if (!names.contains(e.getValue())) {
                        throw PackyardException.config(where(project.dir()) + ": [tool.packyard.msi]: shortcut '" + e.getKey()
                                + "' starts '" + e.getValue() + "', which is not one of the commands ("
                                + String.join(", ", names.stream().sorted().toList()) + ")");
                    }
                }
            }
        }

        private List<WheelSource> sources(Project.Settings cfg) {
            List<WheelSource> sources = new ArrayList<>();
            for (Path p : request.findLinks()) {
                sources.add(FindLinks.of(p.toString(), Path.of(""), null, false, progress));
            }
            for (String loc : cfg.findLinks()) {
                sources.add(FindLinks.of(loc, project.dir(), null, false, progress));
            }
            Optional<String> index = request.indexUrl().or(cfg::indexUrl);
            index.ifPresent(u -> sources.add(SimpleIndexClient.builder().indexUrl(u).progress(progress).build()));
            return sources;
        }

        private List<Path> dependencies(List<WheelSource> sources, List<Path> localWheels, MarkerEnvironment env,
                SupportedTags tags, Interpreter interpreter, String version) {
            Optional<Path> lock = request.lock().or(() -> project.packyard().lock());
            if (lock.isPresent()) {
                return locked(lock.get(), sources, localWheels, env, tags);
            }
            Resolution resolution = Resolver.builder()
                    .sources(sources)
                    .supportedTags(tags)
                    .environment(env)
                    .localWheels(localWheels)
                    .rootLabel(project.name())
                    .progress(progress)
                    .build()
                    .resolve(List.of(Requirement.parse(project.name() + "==" + version)));
            return resolution.wheels().stream().map(ResolvedWheel::localWheel).toList();
        }

        /**
         * Wheels from a lock file: never re-resolved. The project's own wheel and its local
         * dependencies are installed as built; lock entries of the same names are ignored.
         */
        private List<Path> locked(Path file, List<WheelSource> sources, List<Path> localWheels, MarkerEnvironment env,
                SupportedTags tags) {
            if (!Files.isRegularFile(file)) {
                throw PackyardException.config("--lock: " + file + ": no such file");
            }
            progress.step("Selecting locked wheels from " + file.getFileName() + " for " + target.id());
            Lock lock = Lock.read(file);
            List<WheelSource> all = new ArrayList<>(sources);
            for (String loc : lock.findLinks()) {
                all.add(FindLinks.of(loc, file.toAbsolutePath().getParent(), null, false, progress));
            }
            if (!lock.noIndex()) {
                lock.indexUrl().ifPresent(u -> all.add(SimpleIndexClient.builder().indexUrl(u).progress(progress).build()));
            }
            java.util.Set<String> local = new java.util.HashSet<>();
            for (Path w : localWheels) {
                local.add(WheelFilename.parse(w.getFileName().toString()).normalizedName());
            }
            Lock withoutLocal = new Lock(lock.file(), lock.format(),
                    lock.packages().stream().filter(p -> !local.contains(p.normalizedName())).toList(),
                    lock.requiresPython(), lock.environments(), lock.indexUrl(), lock.extraIndexUrls(),
                    lock.findLinks(), lock.noIndex());
            List<Path> out = new ArrayList<>(localWheels);
            for (ResolvedWheel w : withoutLocal.select(env, tags, all, progress).wheels()) {
                out.add(w.localWheel());
            }
            return out;
        }

        private MarkerEnvironment markerEnvironment(Interpreter interpreter) {
            String full = interpreter.version().chars().filter(c -> c == '.').count() >= 2
                    ? interpreter.version() : interpreter.version() + ".0";
            return target.os() == Target.Os.WINDOWS
                    ? MarkerEnvironment.windows(target.machine(), full)
                    : MarkerEnvironment.linux(target.machine(), full);
        }

        private SupportedTags supportedTags(Interpreter interpreter, Project.Settings cfg) {
            String[] xy = interpreter.pythonXY().split("\\.");
            List<String> platforms;
            if (target.os() == Target.Os.WINDOWS) {
                platforms = Platforms.windows(target.machine());
            } else {
                String[] glibc = cfg.glibc().split("\\.");
                platforms = Platforms.manylinux(target.machine(), Integer.parseInt(glibc[0]), Integer.parseInt(glibc[1]));
            }
            return SupportedTags.cpython(Integer.parseInt(xy[0]), Integer.parseInt(xy[1]), platforms);
        }

        /**
         * The commands put on PATH: [tool.packyard].scripts (default: every console script of the
         * project itself) and gui-scripts. A listed name may also be a script of a dependency
         * (packaging a third-party tool such as pip as an app); the project's own scripts win.
         */
        private List<Command> commands(InstalledDistribution self, List<InstalledDistribution> dists, InstallScheme scheme) {
            Project.Settings cfg = project.packyard();
            List<String> console = cfg.scripts().orElse(List.copyOf(self.consoleScripts().keySet()));
            Map<String, Boolean> wanted = new LinkedHashMap<>();
            for (String c : console) {
                if (!provides(self, dists, c, false)) {
                    throw PackyardException.config(where(project.dir()) + ": [tool.packyard].scripts: '" + c
                            + "' is not a console script of " + project.name() + " or its dependencies (" + project.name()
                            + " has: " + String.join(", ", self.consoleScripts().keySet()) + ")");
                }
                wanted.put(c, false);
            }
            for (String g : cfg.guiScripts()) {
                if (!provides(self, dists, g, true)) {
                    throw PackyardException.config(where(project.dir()) + ": [tool.packyard].gui-scripts: '" + g
                            + "' is not a GUI script of " + project.name() + " or its dependencies (" + project.name()
                            + " has: " + String.join(", ", self.guiScripts().keySet()) + ")");
                }
                wanted.put(g, true);
            }
            List<Command> out = new ArrayList<>();
            String suffix = target.os() == Target.Os.WINDOWS ? ".exe" : "";
            wanted.forEach((name, gui) -> out.add(new Command(name, scheme.scripts() + "/" + name + suffix, gui)));
            return out;
        }

        private static boolean provides(InstalledDistribution self, List<InstalledDistribution> dists, String name, boolean gui) {
            if ((gui ? self.guiScripts() : self.consoleScripts()).containsKey(name)) {
                return true;
            }
            return dists.stream().anyMatch(d -> (gui ? d.guiScripts() : d.consoleScripts()).containsKey(name));
        }

        private String hook(LauncherWriter launchers, InstallScheme scheme, String name, String moduleFunction) {
            List<String> written = launchers.writeHook(stage, scheme.interpreter(), HOOKS_DIR, name, moduleFunction);
            return written.get(0);
        }

        /** Removes files matching [tool.packyard].exclude (globs relative to site-packages). */
        private List<InstalledDistribution> exclude(List<InstalledDistribution> dists, List<String> globs, InstallScheme scheme) {
            if (globs.isEmpty()) {
                return dists;
            }
            List<PathMatcher> matchers = globs.stream()
                    .map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
            String base = scheme.purelib() + "/";
            List<InstalledDistribution> out = new ArrayList<>();
            int removed = 0;
            for (InstalledDistribution d : dists) {
                List<String> keep = new ArrayList<>();
                for (String f : d.files()) {
                    String rel = f.startsWith(base) ? f.substring(base.length()) : f;
                    boolean drop = !f.startsWith(d.distInfoPath() + "/")
                            && matchers.stream().anyMatch(m -> m.matches(Path.of(rel)));
                    if (drop) {
                        delete(stage.resolve(f));
                        removed++;
                    } else {
                        keep.add(f);
                    }
                }
                out.add(new InstalledDistribution(d.name(), d.version(), d.distInfo(), keep, d.consoleScripts(), d.guiScripts()));
            }
            pruneEmptyDirs(stage.resolve(scheme.purelib()));
            progress.step("Excluded " + removed + " files matching " + globs);
            return out;
        }

        /**
         * Writes every format at once, one thread each: the formats read the same bundle and
         * compress independently, so on several cores the slowest one sets the pace. Progress
         * is reported as the sum over all formats.
         */
        private void writeAll(Bundle bundle, List<Path[]> pending, Optional<AuthenticodeSigner> signer) throws IOException {
            List<PackageFormat> formats = request.formats();
            if (formats.size() == 1) {
                write(formats.get(0), bundle, pending.get(0)[0], progress, signer);
                return;
            }
            progress.step("Writing " + String.join(", ", pending.stream().map(p -> p[1].getFileName().toString()).toList()));
            SummedProgress summed = new SummedProgress(progress, formats.size());
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(formats.size());
            try {
                for (int i = 0; i < formats.size(); i++) {
                    PackageFormat f = formats.get(i);
                    Path tmp = pending.get(i)[0];
                    Progress part = summed.part(i);
                    running.add(pool.submit(() -> {
                        write(f, bundle, tmp, part, signer);
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> r : running) {
                    try {
                        io.packyard.python.util.Futures.await(r, "writing packages");
                    } catch (IOException | RuntimeException e) {
                        for (java.util.concurrent.Future<?> other : running) {
                            other.cancel(true);
                        }
                        throw e;
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }

        private static void write(PackageFormat f, Bundle bundle, Path tmp, Progress progress,
                Optional<AuthenticodeSigner> signer) throws IOException {
            f.write(bundle, tmp, progress);
            if (signer.isPresent() && f.authenticode()) {
                signer.get().sign(tmp);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }

        private List<Path> writePackages(Bundle bundle, Optional<AuthenticodeSigner> signer) {
            Path out = request.outDir();
            boolean created = !Files.exists(out);
            List<Path[]> pending = new ArrayList<>();
            try {
                mkdirs(out);
                if (created) {
                    CREATED_OUT_DIRS.add(out);
                }
                for (PackageFormat f : request.formats()) {
                    String name = f.fileName(bundle);
                    Path tmp = out.resolve("." + name + ".partial");
                    Files.deleteIfExists(tmp);
                    pending.add(new Path[] {tmp, out.resolve(name)});
                    CLEANUP.add(tmp);
                }
                writeAll(bundle, pending, signer);
                List<Path> done = new ArrayList<>();
                for (Path[] p : pending) {
                    Files.move(p[0], p[1], StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    done.add(p[1]);
                }
                FileTrees.fsyncDirectory(out);
                pending.forEach(p -> CLEANUP.remove(p[0]));
                CREATED_OUT_DIRS.remove(out);
                return done;
            } catch (IOException | RuntimeException e) {
                for (Path[] p : pending) {
                    deleteWithSiblings(p[0]);
                    CLEANUP.remove(p[0]);
                }
                if (created) {
                    try {
                        Files.deleteIfExists(out);
                    } catch (IOException ignored) {
                        // not empty: something else is in there
                    }
                }
                CREATED_OUT_DIRS.remove(out);
                if (e instanceof PackyardException pe) {
                    throw pe;
                }
                throw PackyardException.build("writing packages to " + out + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** The interpreter used when neither --python nor [tool.packyard].python says. */
    static final String DEFAULT_PYTHON = "3.12";

    static String where(Path projectDir) {
        return Project.displayName(projectDir.resolve(Project.FILE));
    }

    private static Path createTempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw PackyardException.build("cannot create a temporary directory: " + e.getMessage(), e);
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw PackyardException.build("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Deletes a package's temporary file and the scratch files a format keeps beside it (named
     * after it, e.g. {@code .app.deb.partial.data.tar.xz}), then the output directory if that
     * leaves it empty and the build created it.
     */
    private static void deleteWithSiblings(Path tmp) {
        Path dir = tmp.getParent();
        String name = tmp.getFileName().toString();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(name)).toList()) {
                Files.deleteIfExists(p);
            }
            if (CREATED_OUT_DIRS.contains(dir)) {
                try (Stream<Path> left = Files.list(dir)) {
                    if (left.findAny().isEmpty()) {
                        Files.deleteIfExists(dir);
                    }
                }
            }
        } catch (IOException ignored) {
            // best effort: also runs while the JVM exits
        }
    }

    /** Output directories this process created, removed again when a failed build leaves them empty. */
    private static final java.util.Set<Path> CREATED_OUT_DIRS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pruneEmptyDirs(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path d : s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                try (Stream<Path> c = Files.list(d)) {
                    if (c.findAny().isEmpty() && !d.equals(root)) {
                        Files.delete(d);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
