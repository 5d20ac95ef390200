package io.packyard.bundle.project;

import io.packyard.bundle.Layout;
import io.packyard.bundle.interpreter.InterpreterProvisioner;
import io.packyard.python.PackyardException;
import io.packyard.python.names.ProjectName;
import io.packyard.python.requirements.Requirement;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;

/**
 * A Python project as Packyard reads it: {@code [project]}, {@code [build-system]} and
 * {@code [tool.packyard]} of its pyproject.toml, validated. Every key Packyard understands is
 * read here and documented once in docs/config.md.
 *
 * @param dir the project directory
 * @param name the project name as written in [project].name
 * @param version the PEP 440 version (normalized), or empty when [project].dynamic lists "version"
 *     (it is then read from the built wheel)
 */
public record Project(
        Path dir,
        String name,
        Optional<String> version,
        String summary,
        String description,
        String homepage,
        String license,
        String maintainer,
        List<Requirement> dependencies,
        Map<String, String> consoleScripts,
        Map<String, String> guiScripts,
        BuildSystem buildSystem,
        Settings packyard) {

    /** [build-system]: how to turn the source tree into a wheel (PEP 517/518). */
    public record BuildSystem(String backend, List<String> backendPath, List<String> requires) {}

    /**
     * [tool.packyard]. Each {@code *Where} string locates the key for error messages
     * ("pyproject.toml:9: [tool.packyard].python").
     */
    public record Settings(
            String company,
            String product,
            Optional<List<String>> scripts,
            List<String> guiScripts,
            Optional<Object> python,
            String pythonWhere,
            List<String> pythonKeep,
            Optional<Path> lock,
            String lockWhere,
            List<String> findLinks,
            Optional<String> indexUrl,
            Optional<String> postInstall,
            Optional<String> preUninstall,
            List<String> exclude,
            List<Path> localDependencies,
            String localDependenciesWhere,
            String glibc,
            boolean strip,
            List<String> debDepends,
            List<String> rpmRequires,
            io.packyard.bundle.WindowsOptions windows,
            Optional<SignSettings> sign,
            List<io.packyard.bundle.ConfigFile> configFiles,
            List<io.packyard.bundle.Service> services,
            io.packyard.bundle.OciOptions oci,
            io.packyard.bundle.DebOptions deb,
            io.packyard.bundle.RpmOptions rpm) {}

    /** A format table's {@code compression}, one of {@code allowed}, if set. */
    private static Optional<io.packyard.bundle.Compression> compression(TomlFields table,
            List<io.packyard.bundle.Compression> allowed, String what) {
        return table.string("compression").map(c -> io.packyard.bundle.Compression.byId(c).filter(allowed::contains)
                .orElseThrow(() -> table.error("compression", "'" + c + "' is not a compression " + what
                        + " can use (known: " + io.packyard.bundle.Compression.names(allowed) + ")")));
    }

    public static final String FILE = "pyproject.toml";
    private static final Set<String> PROJECT_KEYS = Set.of("name", "version", "description", "readme",
            "requires-python", "license", "license-files", "authors", "maintainers", "keywords", "classifiers",
            "urls", "scripts", "gui-scripts", "entry-points", "dependencies", "optional-dependencies", "dynamic",
            "import-names", "import-namespaces");
    private static final Set<String> PACKYARD_KEYS = Set.of("company", "product", "scripts", "gui-scripts",
            "python", "python-keep", "lock", "find-links", "index-url", "post-install", "pre-uninstall", "exclude",
            "local-dependencies", "glibc", "strip", "deb", "rpm", "msi", "sign", "config-files", "services", "oci");
    private static final Pattern ENTRY_POINT = Pattern.compile("^[A-Za-z_][\\w.]*:[A-Za-z_][\\w.]*$");
    private static final Pattern GLIBC = Pattern.compile("^2\\.\\d+$");

    /** Reads and validates {@code dir/pyproject.toml}. */
    public static Project load(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isDirectory(dir)) {
            throw PackyardException.config(dir + ": not a directory");
        }
        if (!Files.isRegularFile(file)) {
            throw PackyardException.config(file + ": no pyproject.toml in the project directory");
        }
        String shown = displayName(file);
        TomlParseResult toml;
        try {
            toml = Toml.parse(file);
        } catch (IOException e) {
            throw PackyardException.config(shown + ": cannot read: " + e.getMessage());
        }
        if (toml.hasErrors()) {
            TomlParseError e = toml.errors().get(0);
            throw PackyardException.config(shown + ":" + e.position().line() + ": TOML syntax error: " + e.getMessage());
        }
        TomlFields root = new TomlFields(shown, toml, List.of(), null);
        TomlFields project = root.table("project").orElseThrow(() ->
                PackyardException.config(shown + ": [project]: missing (Packyard needs the PEP 621 project table)"));
        project.onlyKeys(PROJECT_KEYS);

        String name = project.string("name").orElseThrow(() -> PackyardException.config(
                project.whereTable() + ".name: missing"));
        if (!ProjectName.isValid(name)) {
            throw project.error("name", "'" + name + "' is not a valid project name");
        }
        List<String> dynamic = project.strings("dynamic");
        Optional<String> version = project.string("version").map(v -> {
            try {
                return Version.parse(v).toString();
            } catch (InvalidVersionException e) {
                throw project.error("version", "'" + v + "' is not a valid PEP 440 version");
            }
        });
        if (version.isEmpty() && !dynamic.contains("version")) {
            throw PackyardException.config(project.whereTable() + ".version: missing (and not listed in [project].dynamic)");
        }
        List<Requirement> deps = project.strings("dependencies").stream().map(d -> {
            try {
                return Requirement.parse(d);
            } catch (IllegalArgumentException e) {
                throw project.error("dependencies", e.getMessage());
            }
        }).toList();

        BuildSystem buildSystem = root.table("build-system")
                .map(bs -> new BuildSystem(
                        bs.string("build-backend").orElse("setuptools.build_meta:__legacy__"),
                        bs.strings("backend-path"),
                        bs.strings("requires")))
                .orElse(new BuildSystem("setuptools.build_meta:__legacy__", List.of(), List.of("setuptools>=40.8.0")));

        TomlFields tool = root.table("tool").flatMap(t -> t.table("packyard"))
                .orElse(new TomlFields(shown, Toml.parse(""), List.of("tool", "packyard"), null));
        tool.onlyKeys(PACKYARD_KEYS);

        String maintainer = person(project.tables("maintainers"))
                .or(() -> person(project.tables("authors")))
                .orElse("");
        String company = tool.string("company").orElseGet(() -> {
            String m = maintainer.replaceAll("\\s*<.*", "");
            return m.isBlank() ? name : m;
        });
        if (company.isBlank() || Layout.slug(company).isEmpty()) {
            throw tool.error("company", "must contain at least one letter or digit");
        }
        String product = tool.string("product").orElse(name);
        if (product.isBlank() || Layout.slug(product).isEmpty()) {
            throw tool.error("product", "must contain at least one letter or digit");
        }
        Optional<List<String>> scripts = tool.has("scripts") ? Optional.of(tool.strings("scripts")) : Optional.empty();
        for (String hookKey : List.of("post-install", "pre-uninstall")) {
            tool.string(hookKey).ifPresent(h -> {
                if (!ENTRY_POINT.matcher(h).matches()) {
                    throw tool.error(hookKey, "'" + h + "' is not of the form module:function");
                }
            });
        }
        String glibc = tool.string("glibc").orElse("2.17");
        if (!GLIBC.matcher(glibc).matches()) {
            throw tool.error("glibc", "'" + glibc + "' is not a glibc version such as 2.17 or 2.28");
        }
        Optional<String> indexUrl = tool.string("index-url");
        indexUrl.ifPresent(u -> {
            if (!u.matches("^(https?|file)://.+")) {
                throw tool.error("index-url", "'" + u + "' is not an http(s) or file URL");
            }
        });
        List<String> exclude = tool.strings("exclude");
        List<String> debDepends = tool.table("deb").map(d -> {
            d.onlyKeys(Set.of("depends", "compression"));
            return d.strings("depends");
        }).orElse(List.of());
        io.packyard.bundle.DebOptions deb = tool.table("deb")
                .flatMap(d -> compression(d, io.packyard.bundle.DebOptions.COMPRESSIONS, "a .deb"))
                .map(io.packyard.bundle.DebOptions::new)
                .orElse(io.packyard.bundle.DebOptions.defaults());
        List<String> rpmRequires = tool.table("rpm").map(r -> {
            r.onlyKeys(Set.of("requires", "compression"));
            return r.strings("requires");
        }).orElse(List.of());
        io.packyard.bundle.RpmOptions rpm = tool.table("rpm")
                .flatMap(r -> compression(r, io.packyard.bundle.RpmOptions.COMPRESSIONS, "an .rpm payload"))
                .map(io.packyard.bundle.RpmOptions::new)
                .orElse(io.packyard.bundle.RpmOptions.defaults());

        List<io.packyard.bundle.ConfigFile> configFiles = ServicesConfig.configFiles(tool, dir);
        List<io.packyard.bundle.Service> services = ServicesConfig.services(tool,
                Optional.ofNullable(toml.getTable(List.of("tool", "packyard"))).orElse(Toml.parse("")),
                dir, name, product, configFiles);

        Settings settings = new Settings(
                company,
                product,
                scripts,
                tool.strings("gui-scripts"),
                tool.stringOrTable("python"),
                tool.where("python"),
                pythonKeep(tool),
                tool.string("lock").map(dir::resolve),
                tool.where("lock"),
                tool.strings("find-links"),
                indexUrl,
                tool.string("post-install"),
                tool.string("pre-uninstall"),
                exclude,
                tool.strings("local-dependencies").stream().map(dir::resolve).toList(),
                tool.where("local-dependencies"),
                glibc,
                tool.bool("strip").orElse(true),
                debDepends,
                rpmRequires,
                tool.table("msi").map(m -> WindowsConfig.msi(m, dir)).orElse(io.packyard.bundle.WindowsOptions.defaults()),
                tool.table("sign").map(t -> WindowsConfig.sign(t, dir)),
                configFiles,
                services,
                tool.table("oci").map(t -> OciConfig.oci(t, dir)).orElse(io.packyard.bundle.OciOptions.defaults()),
                deb,
                rpm);

        return new Project(
                dir,
                name,
                version,
                project.string("description").orElse(""),
                readme(dir, project),
                homepage(project),
                license(project),
                maintainer,
                deps,
                project.stringMap("scripts"),
                project.stringMap("gui-scripts"),
                buildSystem,
                settings);
    }

    /** The normalized project name, e.g. {@code hello-cli}. */
    public String normalizedName() {
        return ProjectName.normalize(name);
    }

    /** How messages name a file: relative to the working directory when inside it, else absolute. */
    public static String displayName(Path file) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = file.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    private static List<String> pythonKeep(TomlFields tool) {
        List<String> keep = tool.strings("python-keep");
        for (String k : keep) {
            if (!InterpreterProvisioner.keepGroups().contains(k)) {
                throw tool.error("python-keep", "unknown part '" + k + "' (known: "
                        + String.join(", ", InterpreterProvisioner.keepGroups()) + ")");
            }
        }
        return keep;
    }

    private static Optional<String> person(List<TomlFields> people) {
        for (TomlFields p : people) {
            Optional<String> n = p.string("name");
            Optional<String> e = p.string("email");
            if (n.isPresent() || e.isPresent()) {
                String s = n.orElseGet(() -> e.get().replaceAll("@.*", ""));
                return Optional.of(e.map(mail -> s + " <" + mail + ">").orElse(s));
            }
        }
        return Optional.empty();
    }

    private static String readme(Path dir, TomlFields project) {
        if (!project.has("readme")) {
            return "";
        }
        Optional<String> file;
        try {
            file = project.string("readme");
        } catch (PackyardException notString) {
            TomlFields t = project.table("readme").orElseThrow();
            if (t.has("text")) {
                return t.string("text").orElse("");
            }
            file = t.string("file");
        }
        if (file.isEmpty()) {
            return "";
        }
        Path p = dir.resolve(file.get());
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw project.error("readme", "cannot read " + file.get() + ": " + e.getMessage());
        }
    }

    private static String homepage(TomlFields project) {
        Map<String, String> urls = project.stringMap("urls");
        for (String preferred : List.of("homepage", "home-page", "home", "source", "repository", "documentation")) {
            for (Map.Entry<String, String> e : urls.entrySet()) {
                if (e.getKey().toLowerCase().replaceAll("[\\s_-]", "").equals(preferred.replace("-", ""))) {
                    return e.getValue();
                }
            }
        }
        return urls.isEmpty() ? "" : urls.values().iterator().next();
    }

    private static String license(TomlFields project) {
        if (!project.has("license")) {
            return "";
        }
        try {
            return project.string("license").orElse("");
        } catch (PackyardException notString) {
            TomlFields t = project.table("license").orElseThrow();
            return t.string("text").orElse(t.string("file").map(f -> "see " + f).orElse(""));
        }
    }
}
