package io.packyard.bundle;

import java.util.List;
import java.util.Objects;

/**
 * What every package format needs to know about a staged application besides its files.
 *
 * @param name the normalized project name (PEP 503), e.g. {@code acme-notes}; package names derive from it
 * @param version the normalized PEP 440 version, e.g. {@code 1.0rc1}
 * @param summary one-line summary ([project].description)
 * @param description long description, plain text (may be empty)
 * @param homepage project URL or empty
 * @param license license expression or text, or empty
 * @param maintainer "Name &lt;email&gt;" of the first author/maintainer
 * @param company display name of the company, e.g. "Acme"
 * @param product display name of the product, e.g. "Notes"
 * @param target the platform the bundle is for
 * @param pythonVersion the interpreter's "X.Y" version
 * @param bundledInterpreter true when the bundle carries its interpreter under {@code python/};
 *     false for "system" (packages then depend on the distribution's python3)
 * @param commands the commands linked onto PATH
 * @param postInstallHook bundle-relative path of the post-install hook launcher, or null
 * @param preUninstallHook bundle-relative path of the pre-uninstall hook launcher, or null
 * @param debDepends extra Debian Depends entries
 * @param rpmRequires extra RPM Requires entries
 * @param windows how Windows installers present and place the application ([tool.packyard.msi])
 * @param configFiles files installed under {@code /etc/<company>/<product>/} and kept across
 *     upgrades ([tool.packyard].config-files; services' environment files are in {@code services})
 * @param services systemd services of the Linux packages ([[tool.packyard.services]])
 * @param oci how the OCI image is made ([tool.packyard.oci])
 * @param deb how the .deb is written ([tool.packyard.deb])
 * @param rpm how the .rpm is written ([tool.packyard.rpm])
 */
public record BundleMetadata(
        String name,
        String version,
        String summary,
        String description,
        String homepage,
        String license,
        String maintainer,
        String company,
        String product,
        Target target,
        String pythonVersion,
        boolean bundledInterpreter,
        List<Command> commands,
        String postInstallHook,
        String preUninstallHook,
        List<String> debDepends,
        List<String> rpmRequires,
        WindowsOptions windows,
        List<ConfigFile> configFiles,
        List<Service> services,
        OciOptions oci,
        DebOptions deb,
        RpmOptions rpm) {

    /** Metadata with the default Windows options (Linux-only callers). */
    public BundleMetadata(String name, String version, String summary, String description, String homepage,
            String license, String maintainer, String company, String product, Target target, String pythonVersion,
            boolean bundledInterpreter, List<Command> commands, String postInstallHook, String preUninstallHook,
            List<String> debDepends, List<String> rpmRequires) {
        this(name, version, summary, description, homepage, license, maintainer, company, product, target,
                pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook, debDepends,
                rpmRequires, WindowsOptions.defaults());
    }

    /** Metadata without configuration files and services. */
    public BundleMetadata(String name, String version, String summary, String description, String homepage,
            String license, String maintainer, String company, String product, Target target, String pythonVersion,
            boolean bundledInterpreter, List<Command> commands, String postInstallHook, String preUninstallHook,
            List<String> debDepends, List<String> rpmRequires, WindowsOptions windows) {
        this(name, version, summary, description, homepage, license, maintainer, company, product, target,
                pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook, debDepends,
                rpmRequires, windows, List.of(), List.of());
    }

    /** Metadata with the default OCI options. */
    public BundleMetadata(String name, String version, String summary, String description, String homepage,
            String license, String maintainer, String company, String product, Target target, String pythonVersion,
            boolean bundledInterpreter, List<Command> commands, String postInstallHook, String preUninstallHook,
            List<String> debDepends, List<String> rpmRequires, WindowsOptions windows, List<ConfigFile> configFiles,
            List<Service> services) {
        this(name, version, summary, description, homepage, license, maintainer, company, product, target,
                pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook, debDepends,
                rpmRequires, windows, configFiles, services, OciOptions.defaults());
    }

    /** Metadata with the default .deb and .rpm options. */
    public BundleMetadata(String name, String version, String summary, String description, String homepage,
            String license, String maintainer, String company, String product, Target target, String pythonVersion,
            boolean bundledInterpreter, List<Command> commands, String postInstallHook, String preUninstallHook,
            List<String> debDepends, List<String> rpmRequires, WindowsOptions windows, List<ConfigFile> configFiles,
            List<Service> services, OciOptions oci) {
        this(name, version, summary, description, homepage, license, maintainer, company, product, target,
                pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook, debDepends,
                rpmRequires, windows, configFiles, services, oci, DebOptions.defaults(), RpmOptions.defaults());
    }

    public BundleMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(target, "target");
        summary = summary == null ? "" : summary;
        description = description == null ? "" : description;
        homepage = homepage == null ? "" : homepage;
        license = license == null ? "" : license;
        maintainer = maintainer == null || maintainer.isBlank() ? company + " <packages@localhost>" : maintainer;
        commands = List.copyOf(commands);
        debDepends = List.copyOf(debDepends);
        rpmRequires = List.copyOf(rpmRequires);
        windows = windows == null ? WindowsOptions.defaults() : windows;
        configFiles = configFiles == null ? List.of() : List.copyOf(configFiles);
        services = services == null ? List.of() : List.copyOf(services);
        oci = oci == null ? OciOptions.defaults() : oci;
        deb = deb == null ? DebOptions.defaults() : deb;
        rpm = rpm == null ? RpmOptions.defaults() : rpm;
    }

    /** A copy with other OCI image options. */
    public BundleMetadata withOci(OciOptions oci) {
        return new BundleMetadata(name, version, summary, description, homepage, license, maintainer, company,
                product, target, pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook,
                debDepends, rpmRequires, windows, configFiles, services, oci, deb, rpm);
    }

    /** A copy with other configuration files and services (the pipeline resolves services late). */
    public BundleMetadata withServices(List<ConfigFile> configFiles, List<Service> services) {
        return new BundleMetadata(name, version, summary, description, homepage, license, maintainer, company,
                product, target, pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook,
                debDepends, rpmRequires, windows, configFiles, services, oci, deb, rpm);
    }

    /** A copy with other .deb options. */
    public BundleMetadata withDeb(DebOptions deb) {
        return new BundleMetadata(name, version, summary, description, homepage, license, maintainer, company,
                product, target, pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook,
                debDepends, rpmRequires, windows, configFiles, services, oci, deb, rpm);
    }

    /** A copy with other .rpm options. */
    public BundleMetadata withRpm(RpmOptions rpm) {
        return new BundleMetadata(name, version, summary, description, homepage, license, maintainer, company,
                product, target, pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook,
                debDepends, rpmRequires, windows, configFiles, services, oci, deb, rpm);
    }

    /** A copy with other Debian Depends (formats add what their maintainer scripts need). */
    public BundleMetadata withDebDepends(List<String> debDepends) {
        return new BundleMetadata(name, version, summary, description, homepage, license, maintainer, company,
                product, target, pythonVersion, bundledInterpreter, commands, postInstallHook, preUninstallHook,
                debDepends, rpmRequires, windows, configFiles, services, oci, deb, rpm);
    }

    /** The install layout derived from company and product. */
    public Layout layout() {
        return new Layout(Layout.slug(company), Layout.slug(product));
    }
}
