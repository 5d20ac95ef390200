package io.packyard.formats.oci;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.OciOptions;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI image of the application, built without a container daemon: {@code --format oci} writes
 * an OCI image archive ({@code skopeo copy oci-archive:FILE docker://...}, {@code podman load -i
 * FILE}), {@link #push} sends the same image to a registry.
 *
 * <ul>
 *   <li>Layers: the base image's, then an account layer (a non-root user, default
 *       {@code app:10001}), the interpreter, the dependencies, and the application on top, so a
 *       change to the application's code changes only the top layer's digest.</li>
 *   <li>The application lives where the Linux packages put it ({@code /opt/<company>/<product>});
 *       the entry point is its first console command, PATH starts with its {@code bin/}.</li>
 *   <li>Labels {@code org.opencontainers.image.*} (title, version, description, url, licenses,
 *       vendor, created, base.name) from the project metadata, then [tool.packyard.oci].labels.</li>
 *   <li>Reproducible: every timestamp is SOURCE_DATE_EPOCH, so the same bundle gives the same
 *       digests and the same archive bytes.</li>
 * </ul>
 *
 * The base image is [tool.packyard.oci].base: a registry reference (pulled by jib, with the
 * credentials {@link RegistryCredentials} describes) or {@code archive:PATH}, a local OCI layout
 * or docker-save archive for offline builds.
 */
public final class OciFormat implements PackageFormat {
    private final OciOptions options;
    private final Map<String, String> env;

    /** The registered format: options from the bundle's metadata ([tool.packyard.oci]). */
    public OciFormat() {
        this(null, System.getenv());
    }

    /** A format with explicit options (the bundle's are ignored). */
    public OciFormat(OciOptions options) {
        this(options, System.getenv());
    }

    /** Explicit options and environment (credentials, caches, DOCKER_CONFIG); for tests and embedding. */
    public OciFormat(OciOptions options, Map<String, String> env) {
        this.options = options;
        this.env = Map.copyOf(env);
    }

    @Override
    public String id() {
        return "oci";
    }

    @Override
    public boolean supports(Target target) {
        return target.os() == Target.Os.LINUX;
    }

    @Override
    public boolean builtByDefault() {
        return false;
    }

    @Override
    public String fileName(Bundle bundle) {
        BundleMetadata m = bundle.metadata();
        return m.name() + "-" + m.version() + "-" + m.target().id() + ".oci.tar";
    }

    /** The tag an image of this bundle gets by default: the version, with + and ! made -. */
    public static String defaultTag(Bundle bundle) {
        return OciImageBuilder.tag(bundle.metadata().version());
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        String digest = new OciImageBuilder(bundle, optionsFor(bundle), progress, env)
                .build(new OciImageBuilder.ArchiveDestination(out));
        progress.step("Image " + fileName(bundle) + ": manifest " + digest);
    }

    /**
     * Builds the image and pushes it to {@code reference} (such as
     * {@code registry.example.org/team/notes:1.0}). Returns the manifest digest, the same as the
     * archive {@link #write} makes of the same bundle.
     *
     * @param credentials explicit credentials; empty: PACKYARD_REGISTRY_USERNAME/PASSWORD, then the
     *     docker/podman credential files
     * @param insecure allow plain HTTP and unverified TLS (a registry on localhost, say)
     */
    public String push(Bundle bundle, String reference, Optional<RegistryCredentials> credentials, boolean insecure,
            Progress progress) throws IOException {
        Optional<RegistryCredentials> creds = credentials.or(() -> RegistryCredentials.fromEnvironment(env));
        return new OciImageBuilder(bundle, optionsFor(bundle), progress, env)
                .build(new OciImageBuilder.RegistryDestination(reference, creds, insecure));
    }

    private OciOptions optionsFor(Bundle bundle) {
        return options != null ? options : bundle.metadata().oci();
    }
}
