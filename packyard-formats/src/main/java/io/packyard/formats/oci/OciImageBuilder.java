package io.packyard.formats.oci;

import com.google.cloud.tools.jib.api.CacheDirectoryCreationException;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Command;
import io.packyard.bundle.OciOptions;
import io.packyard.bundle.Target;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.linux.ReproducibleTar;
import io.packyard.python.PackyardException;
import io.packyard.python.json.Json;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Builds the OCI image of a bundle without a container daemon.
 *
 * <p>Packyard writes the application's layers itself (so symlinks stay symlinks and every byte is
 * reproducible): bottom to top the base image's layers, an account layer (the non-root user in
 * /etc/passwd and /etc/group, its home directory), the interpreter, the dependencies and the
 * application (see {@link OciLayers}). They are assembled into a docker-archive that serves jib as
 * its base image; jib then sets the configuration (entry point, user, labels, environment, ports,
 * creation time SOURCE_DATE_EPOCH) and writes the OCI image archive or pushes the image to a
 * registry. Both come from the same jib build, so a pushed image has the same digest as the
 * archive. Jib also pulls a registry base image (credentials as for pushing).
 */
final class OciImageBuilder {
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ISO_INSTANT;
    private static final Pattern SPDX = Pattern.compile("^[A-Za-z0-9.+-]+( (AND|OR|WITH) [A-Za-z0-9.+-]+)*$|^\\(.*\\)$");
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Bundle bundle;
    private final OciOptions options;
    private final Progress progress;
    private final Map<String, String> env;

    OciImageBuilder(Bundle bundle, OciOptions options, Progress progress, Map<String, String> env) {
        this.bundle = bundle;
        this.options = options;
        this.progress = progress;
        this.env = env;
    }

    /** Where the image goes: an OCI archive file or a registry. */
    sealed interface Destination {}

    record ArchiveDestination(Path file) implements Destination {}

    record RegistryDestination(String reference, Optional<RegistryCredentials> credentials, boolean insecure)
            implements Destination {}

    /** Builds the image into {@code destination}; returns the manifest digest ({@code sha256:...}). */
    String build(Destination destination) throws IOException {
        BundleMetadata m = bundle.metadata();
        if (m.target().os() != Target.Os.LINUX) {
            throw PackyardException.config("--format oci: images are built for Linux targets, not " + m.target().id());
        }
        Path work = Files.createTempDirectory("packyard-oci-");
        try {
            String arch = architecture(m.target());
            progress.step("Reading the base image " + options.base().text());
            BaseImage base = switch (options.base()) {
                case OciOptions.ArchiveBase a -> BaseImage.read(a.file(), Files.createDirectories(work.resolve("base")), arch);
                case OciOptions.RegistryBase r -> BaseImage.read(pull(r.reference(), arch, work),
                        Files.createDirectories(work.resolve("base")), arch);
            };
            Path assembled = assemble(base, work);
            progress.step(destination instanceof RegistryDestination r ? "Pushing the image to " + r.reference()
                    : "Writing the OCI image");
            return containerize(assembled, destination, work, arch);
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    // ---------------------------------------------------------------- layers and the assembled base

    /** Writes the account and application layers and a docker-archive of base + those layers. */
    private Path assemble(BaseImage base, Path work) throws IOException {
        long epoch = bundle.sourceDateEpoch();
        Path layers = Files.createDirectories(work.resolve("layers"));
        List<LayerBlob> ours = new ArrayList<>();
        ours.add(accountLayer(base, layers.resolve("account.tar.gz"), epoch));
        String prefix = bundle.metadata().layout().installPrefix().substring(1) + "/";
        OciLayers.Split split = OciLayers.split(bundle);
        for (OciLayers.Kind k : OciLayers.Kind.values()) {
            if (split.of(k).isEmpty()) {
                continue; // no bundled interpreter, say
            }
            progress.step("Writing the layer of " + k.description + " (" + split.of(k).size() + " entries)");
            ours.add(LayerBlob.ofBundleEntries(split.of(k), prefix, epoch,
                    layers.resolve(k.name().toLowerCase(Locale.ROOT) + ".tar.gz"),
                    "packyard: " + k.description + " (" + split.of(k).size() + " entries)"));
        }

        // the base's layers, all gzip (jib takes a base archive's layers as they are when the first is gzip)
        List<Path> files = new ArrayList<>();
        List<String> diffIds = new ArrayList<>();
        int n = 0;
        for (BaseImage.Layer l : base.layers()) {
            Path f = l.file();
            if (!l.gzip()) {
                f = LayerBlob.gzipOf(l.file(), layers.resolve("base-" + (n++) + ".tar.gz"), l.diffId(), "").file();
            }
            files.add(f);
            diffIds.add(l.diffId());
        }
        Map<String, Object> config = new LinkedHashMap<>(base.config());
        List<Object> history = new ArrayList<>();
        if (config.get("history") instanceof List<?> h) {
            history.addAll(h);
        }
        String created = RFC3339.format(Instant.ofEpochSecond(epoch).atOffset(ZoneOffset.UTC));
        for (LayerBlob b : ours) {
            files.add(b.file());
            diffIds.add(b.diffId());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("created", created);
            entry.put("created_by", "packyard");
            entry.put("comment", b.comment());
            history.add(entry);
        }
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", diffIds);
        config.put("rootfs", rootfs);
        config.put("history", history);

        Path archive = work.resolve("assembled.tar");
        List<Object> layerNames = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            layerNames.add(i + ".tar.gz");
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("Config", "config.json");
        manifest.put("RepoTags", List.of());
        manifest.put("Layers", layerNames);
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(archive, StandardOpenOption.CREATE_NEW), 1 << 16);
                ReproducibleTar tar = new ReproducibleTar(os, ReproducibleTar.Flavor.PAX, epoch, null)) {
            tar.file("config.json", 0644, Json.write(config).getBytes(StandardCharsets.UTF_8));
            tar.file("manifest.json", 0644, Json.write(List.of(manifest)).getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < files.size(); i++) {
                try (InputStream in = Files.newInputStream(files.get(i))) {
                    tar.file(i + ".tar.gz", 0644, Files.size(files.get(i)), in);
                }
            }
            tar.finish();
        }
        return archive;
    }

    /**
     * The account layer: /etc/passwd and /etc/group of the base plus the application's user and
     * group (unless the base has them already), and its home directory, owned by it.
     */
    private LayerBlob accountLayer(BaseImage base, Path out, long epoch) throws IOException {
        String user = options.user();
        int uid = options.uid();
        String home = "home/" + user;
        String passwd = base.file("etc/passwd").map(b -> new String(b, StandardCharsets.UTF_8)).orElse(
                "root:x:0:0:root:/root:/bin/sh\n");
        String group = base.file("etc/group").map(b -> new String(b, StandardCharsets.UTF_8)).orElse("root:x:0:\n");
        passwd = addAccount(passwd, user, uid, user + ":x:" + uid + ":" + uid + ":"
                + gecos(bundle.metadata().product()) + ":/" + home + ":/usr/sbin/nologin", "etc/passwd", base);
        group = addAccount(group, user, uid, user + ":x:" + uid + ":", "etc/group", base);
        List<LayerBlob.Item> items = List.of(
                new LayerBlob.Item("etc", 0755, 0, 0, null),
                new LayerBlob.Item("etc/group", 0644, 0, 0, group.getBytes(StandardCharsets.UTF_8)),
                new LayerBlob.Item("etc/passwd", 0644, 0, 0, passwd.getBytes(StandardCharsets.UTF_8)),
                new LayerBlob.Item("home", 0755, 0, 0, null),
                new LayerBlob.Item(home, 0750, uid, uid, null));
        return LayerBlob.ofItems(items, epoch, out, "packyard: the account " + user + " (" + uid + ":" + uid + ")");
    }

    /** Appends {@code line} unless an entry of that name with that id exists; a clash of name or id is an error. */
    private static String addAccount(String file, String name, int id, String line, String what, BaseImage base) {
        for (String l : file.split("\n")) {
            String[] f = l.split(":", -1);
            if (f.length < 3 || l.startsWith("#")) {
                continue;
            }
            boolean sameName = f[0].equals(name);
            boolean sameId = f[2].equals(Integer.toString(id));
            if (sameName && sameId) {
                return file;
            }
            if (sameName || sameId) {
                throw PackyardException.config("[tool.packyard.oci].user: " + base.source() + " has " + what + " entry '"
                        + l + "', which clashes with " + name + ":" + id + "; choose another name or uid");
            }
        }
        return (file.isEmpty() || file.endsWith("\n") ? file : file + "\n") + line + "\n";
    }

    private static String gecos(String s) {
        return s.replaceAll("[:\\n,]", " ");
    }

    // ---------------------------------------------------------------- jib

    private String containerize(Path assembled, Destination destination, Path work, String arch) throws IOException {
        BundleMetadata m = bundle.metadata();
        String prefix = m.layout().installPrefix();
        Command command = entryCommand(m);
        JibContainerBuilder jib = Jib.from(TarImage.at(assembled))
                .setFormat(ImageFormat.OCI)
                .setPlatforms(Set.of(new Platform(arch, "linux")))
                .setCreationTime(Instant.ofEpochSecond(bundle.sourceDateEpoch()))
                .setEntrypoint(List.of(prefix + "/" + command.launcher()))
                .setProgramArguments((List<String>) null) // the base's Cmd would be arguments of our command
                .setUser(options.uid() + ":" + options.uid())
                .setWorkingDirectory(AbsoluteUnixPath.get("/home/" + options.user()))
                .setEnvironment(environment(assembled))
                .setLabels(labels(m));
        Set<Port> ports = new LinkedHashSet<>();
        for (String p : options.ports()) {
            String[] pp = p.split("/");
            ports.add(Port.parseProtocol(Integer.parseInt(pp[0]), pp[1]));
        }
        jib.setExposedPorts(ports);

        Containerizer containerizer;
        Path jibOut = work.resolve("jib.tar");
        if (destination instanceof RegistryDestination r) {
            RegistryImage target = RegistryImage.named(reference(r.reference()));
            credentials(target, reference(r.reference()), r.credentials());
            // plain HTTP only when asked for, or for a registry on this machine (as Docker allows)
            containerizer = Containerizer.to(target).setAllowInsecureRegistries(
                    r.insecure() || isLoopback(reference(r.reference()).getRegistry()));
        } else {
            containerizer = Containerizer.to(TarImage.at(jibOut).named(ImageReference.of(null, m.name(), tag(m.version()))))
                    .setOfflineMode(true);
        }
        containerizer.setBaseImageLayersCache(Files.createDirectories(work.resolve("jib-base-cache")))
                .setApplicationLayersCache(Files.createDirectories(work.resolve("jib-app-cache")))
                .setToolName("packyard")
                .addEventHandler(LogEvent.class, log(progress));
        JibContainer result = run(jib, containerizer, destination instanceof RegistryDestination r ? r.reference() : null);
        if (destination instanceof ArchiveDestination a) {
            normalize(jibOut, a.file(), bundle.sourceDateEpoch());
        }
        return result.getDigest().toString();
    }

    private JibContainer run(JibContainerBuilder jib, Containerizer containerizer, String registryRef) throws IOException {
        try {
            return jib.containerize(containerizer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while building the image");
        } catch (CacheDirectoryCreationException e) {
            throw PackyardException.build("oci: cannot create jib's cache directory: " + e.getMessage(), e);
        } catch (RegistryUnauthorizedException e) {
            throw PackyardException.build("registry " + registryRef + ": not authorized to push (" + e.getMessage()
                    + "); set PACKYARD_REGISTRY_USERNAME and PACKYARD_REGISTRY_PASSWORD or log in with docker/podman/skopeo"
                    + " login", e);
        } catch (RegistryException | ExecutionException e) {
            Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof PackyardException pe) {
                throw pe;
            }
            throw PackyardException.build((registryRef != null ? "pushing to " + registryRef : "building the image")
                    + " failed: " + message(c), c);
        }
    }

    /** Pulls a registry base image through jib into a docker-archive of {@code work}. */
    private Path pull(String reference, String arch, Path work) throws IOException {
        Path out = work.resolve("pulled.tar");
        ImageReference ref = reference(reference);
        RegistryImage image = RegistryImage.named(ref);
        credentials(image, ref, RegistryCredentials.fromEnvironment(env));
        Containerizer c = Containerizer.to(TarImage.at(out).named(ImageReference.of(null, "packyard-base", "latest")))
                .setBaseImageLayersCache(cacheDir().resolve("oci-base-layers"))
                .setApplicationLayersCache(Files.createDirectories(work.resolve("pull-app-cache")))
                .setToolName("packyard")
                .setAllowInsecureRegistries(isLoopback(ref.getRegistry()))
                .addEventHandler(LogEvent.class, log(progress));
        JibContainerBuilder jib = Jib.from(image).setFormat(ImageFormat.Docker).setPlatforms(Set.of(new Platform(arch, "linux")));
        try {
            jib.containerize(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while pulling the base image");
        } catch (CacheDirectoryCreationException | RegistryException | ExecutionException | IOException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw PackyardException.build("[tool.packyard.oci].base: cannot pull " + reference + ": " + message(cause)
                    + " (offline? use base = \"archive:PATH\" with an image saved by skopeo, docker or podman)", cause);
        }
        return out;
    }

    /** A registry on this machine (as docker does, plain HTTP is allowed there). */
    static boolean isLoopback(String registry) {
        String host = registry.startsWith("[") ? registry.substring(1, Math.max(1, registry.indexOf(']')))
                : registry.contains(":") ? registry.substring(0, registry.indexOf(':')) : registry;
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static String message(Throwable t) {
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = t.getClass().getSimpleName();
        }
        return msg.lines().findFirst().orElse(msg);
    }

    private static ImageReference reference(String text) {
        try {
            return ImageReference.parse(text);
        } catch (InvalidImageReferenceException e) {
            throw PackyardException.config("'" + text + "' is not an image reference such as registry.example.org/team/app:1.0");
        }
    }

    private void credentials(RegistryImage image, ImageReference ref, Optional<RegistryCredentials> explicit) {
        explicit.ifPresent(c -> image.addCredential(c.username(), c.password()));
        Consumer<LogEvent> logger = log(progress);
        CredentialRetrieverFactory f = CredentialRetrieverFactory.forImage(ref, logger, env);
        String dockerConfig = env.get("DOCKER_CONFIG");
        if (dockerConfig != null && !dockerConfig.isBlank()) {
            image.addCredentialRetriever(f.dockerConfig(Path.of(dockerConfig, "config.json")));
        }
        String authFile = env.get("REGISTRY_AUTH_FILE");
        if (authFile != null && !authFile.isBlank()) {
            image.addCredentialRetriever(f.dockerConfig(Path.of(authFile)));
        }
        image.addCredentialRetriever(f.dockerConfig());
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            // podman, buildah and skopeo login write here
            image.addCredentialRetriever(f.dockerConfig(Path.of(runtimeDir, "containers", "auth.json")));
        }
    }

    private static Consumer<LogEvent> log(Progress progress) {
        return e -> {
            if (e.getLevel() == LogEvent.Level.WARN || e.getLevel() == LogEvent.Level.ERROR) {
                progress.warn("jib: " + e.getMessage());
            }
        };
    }

    private Command entryCommand(BundleMetadata m) {
        if (m.commands().isEmpty()) {
            throw PackyardException.config("--format oci: the bundle has no command for the image's entry point"
                    + " ([tool.packyard].scripts)");
        }
        return m.commands().stream().filter(c -> !c.gui()).findFirst().orElse(m.commands().get(0));
    }

    /** PATH with the application's commands first, then the configured variables. */
    private Map<String, String> environment(Path assembled) throws IOException {
        String basePath = DEFAULT_PATH;
        Map<String, Object> config = readAssembledConfig(assembled);
        if (config.get("config") instanceof Map<?, ?> c && c.get("Env") instanceof List<?> envs) {
            for (Object o : envs) {
                if (o instanceof String s && s.startsWith("PATH=")) {
                    basePath = s.substring(5);
                }
            }
        }
        Map<String, String> out = new TreeMap<>();
        String bin = bundle.metadata().layout().installPrefix() + "/bin";
        out.put("PATH", basePath.isEmpty() ? bin : bin + ":" + basePath);
        out.putAll(options.env());
        return out;
    }

    private static Map<String, Object> readAssembledConfig(Path assembled) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(assembled)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.getName().equals("config.json")) {
                    return Json.parseObject(new String(tar.readAllBytes(), StandardCharsets.UTF_8), "config.json");
                }
            }
        }
        throw new IOException("assembled image has no config.json");
    }

    /** org.opencontainers.image.* from the project metadata, then the configured labels. */
    private Map<String, String> labels(BundleMetadata m) {
        Map<String, String> l = new TreeMap<>();
        put(l, "org.opencontainers.image.title", m.product());
        put(l, "org.opencontainers.image.version", m.version());
        put(l, "org.opencontainers.image.description", m.summary());
        put(l, "org.opencontainers.image.url", m.homepage());
        put(l, "org.opencontainers.image.vendor", m.company());
        put(l, "org.opencontainers.image.created", RFC3339.format(Instant.ofEpochSecond(bundle.sourceDateEpoch())));
        if (SPDX.matcher(m.license().strip()).matches() && m.license().length() <= 200) {
            put(l, "org.opencontainers.image.licenses", m.license().strip());
        }
        if (options.base() instanceof OciOptions.RegistryBase r) {
            put(l, "org.opencontainers.image.base.name", r.reference());
        }
        l.putAll(options.labels());
        return l;
    }

    private static void put(Map<String, String> labels, String key, String value) {
        if (value != null && !value.isBlank()) {
            labels.put(key, value.strip());
        }
    }

    /**
     * Rewrites jib's archive with {@link ReproducibleTar}: same members and bytes (so the same
     * digests), but root-owned, with SOURCE_DATE_EPOCH times, sorted, with directory entries — jib
     * would name the user running the build in the tar headers.
     */
    private static void normalize(Path jibTar, Path out, long epoch) throws IOException {
        Path unpacked = Files.createDirectories(jibTar.resolveSibling("jib-out"));
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(jibTar), 1 << 16))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String name = e.getName();
                if (!name.matches("(blobs/sha256/[0-9a-f]{64}|index\\.json|oci-layout|manifest\\.json)")) {
                    throw new IOException("unexpected member in jib's archive: " + name);
                }
                Path p = unpacked.resolve(name);
                Files.createDirectories(p.getParent());
                Files.copy(tar, p);
                names.add(name);
            }
        }
        names.sort(InstallTree::comparePaths);
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW), 1 << 16);
                ReproducibleTar tar = new ReproducibleTar(os, ReproducibleTar.Flavor.PAX, epoch, null)) {
            tar.directory("blobs/", 0755);
            tar.directory("blobs/sha256/", 0755);
            for (String name : names) {
                Path p = unpacked.resolve(name);
                try (InputStream in = Files.newInputStream(p)) {
                    tar.file(name, 0644, Files.size(p), in);
                }
            }
            tar.finish();
        }
    }

    /** A PEP 440 version as an image tag ({@code [A-Za-z0-9_][A-Za-z0-9_.-]*}): + and ! become -. */
    static String tag(String version) {
        String t = version.replaceAll("[^A-Za-z0-9_.-]", "-");
        return t.length() > 128 ? t.substring(0, 128) : t;
    }

    /** The OCI architecture name of a target. */
    static String architecture(Target target) {
        return switch (target.machine()) {
            case "x86_64", "AMD64" -> "amd64";
            case "aarch64", "ARM64" -> "arm64";
            default -> throw PackyardException.config("--format oci: no OCI architecture for " + target.id());
        };
    }

    /** Packyard's cache ({@link io.packyard.python.util.CacheDir}). */
    private Path cacheDir() {
        return io.packyard.python.util.CacheDir.root(env);
    }
}
