package io.packyard.cli;

import io.packyard.python.PackyardException;
import io.packyard.repository.Repository;
import io.packyard.repository.index.IndexConfig;
import io.packyard.repository.index.IndexKind;
import io.packyard.repository.index.IndexSpec;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code packyard index create|list|update}: the server's indexes, on the data directory and database directly. */
@Command(
        name = "index",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {"Create, list and change the server's indexes (works whether or not the server runs)."},
        subcommands = {IndexCommand.Create.class, IndexCommand.ListIndexes.class, IndexCommand.Update.class},
        footer = {"", "Examples:",
                "  packyard index create main --data /srv/packyard                      # hosted: uploads go here",
                "  packyard index create pypi --upstream https://pypi.org/simple/ --data /srv/packyard",
                "  packyard index create all --members main,pypi --data /srv/packyard  # what pip uses",
                "  packyard index list --data /srv/packyard",
                "",
                "Exit status: 0 success, 2 usage or configuration error."})
public final class IndexCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code packyard index create NAME}. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Create an index. Its kind follows from the options: --upstream makes a mirror, --members a group, "
                        + "neither a hosted index.",
                "",
                "hosted: files uploaded with twine or packyard publish. mirror: a caching proxy of an upstream "
                        + "simple API (pages revalidated after --page-ttl, files kept for ever once their hash is "
                        + "checked, stale pages served when upstream is down). group: the members merged in order; "
                        + "a project a hosted member has hides that project's mirror files (dependency confusion) "
                        + "unless --allow-upstream names it."
            },
            footer = {"", "Examples:",
                    "  packyard index create main",
                    "  packyard index create team --private --max-upload-size 500M",
                    "  packyard index create pypi --upstream https://pypi.org/simple/ --page-ttl 30m",
                    "  packyard index create all --members main,pypi --allow-upstream shared-utils"})
    static final class Create extends RepositoryCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Index name: lower-case letters, digits, . - _ (in URLs: /NAME/simple/).")
        String name;

        @Option(names = "--kind", paramLabel = "KIND", description = "hosted, mirror or group (default: from the options).")
        String kind;

        @Option(names = "--upstream", paramLabel = "URL", description = "Mirror: the upstream simple API, e.g. https://pypi.org/simple/.")
        String upstream;

        @Option(names = "--page-ttl", paramLabel = "DURATION", description = "Mirror: how long an upstream page is served before "
                + "it is revalidated (default: 10m).")
        String pageTtl;

        @Option(names = "--members", paramLabel = "INDEX", split = ",", description = "Group: member indexes in lookup order.")
        List<String> members = new ArrayList<>();

        @Option(names = "--allow-upstream", paramLabel = "PROJECT", split = ",", description = "Group: projects whose mirror "
                + "files are merged even though a hosted member has the name.")
        List<String> allowUpstream = new ArrayList<>();

        @Option(names = "--private", description = "Reading needs a token for this index (writing always does).")
        boolean privateRead;

        @Option(names = "--max-upload-size", paramLabel = "SIZE", description = "Hosted: upload limit (default: the server's, 100M).")
        String maxUploadSize;

        private IndexSpec indexSpec;

        @Override
        void check() {
            IndexKind k = kind != null ? IndexKind.parse(kind)
                    : upstream != null ? IndexKind.MIRROR : !members.isEmpty() ? IndexKind.GROUP : IndexKind.HOSTED;
            Optional<URI> up = Optional.empty();
            if (upstream != null) {
                try {
                    up = Optional.of(new URI(upstream.strip()));
                } catch (URISyntaxException e) {
                    throw PackyardException.config("--upstream: not a valid URL: '" + upstream + "'");
                }
            }
            OptionalLong max = maxUploadSize == null ? OptionalLong.empty()
                    : OptionalLong.of(Sizes.bytes("--max-upload-size", maxUploadSize));
            if (k != IndexKind.HOSTED && max.isPresent()) {
                throw PackyardException.config("--max-upload-size applies to hosted indexes only");
            }
            if (k != IndexKind.MIRROR && pageTtl != null) {
                throw PackyardException.config("--page-ttl applies to mirrors only");
            }
            indexSpec = new IndexSpec(name, k, privateRead, up,
                    pageTtl == null ? Optional.empty() : Optional.of(Sizes.duration("--page-ttl", pageTtl)), max,
                    members.stream().map(String::strip).filter(m -> !m.isEmpty()).toList(),
                    Set.copyOf(allowUpstream));
        }

        @Override
        void run(Repository repo, PrintWriter out) {
            IndexConfig c = repo.indexes().create(indexSpec);
            out.println("created " + describe(c));
            out.println("  simple API: /" + c.name() + "/simple/" + (c.isHosted() ? "   uploads: /" + c.name() + "/" : ""));
        }
    }

    /** {@code packyard index list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the indexes.",
            footer = {"", "Example:", "  packyard index list --data /srv/packyard"})
    static final class ListIndexes extends RepositoryCommand {
        @Override
        void run(Repository repo, PrintWriter out) {
            List<IndexConfig> all = repo.indexes().list();
            if (all.isEmpty()) {
                out.println("no indexes (packyard index create NAME)");
            }
            for (IndexConfig c : all) {
                out.println(describe(c));
            }
        }
    }

    /** {@code packyard index update NAME}. */
    @Command(name = "update", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Change whether an index is private, or a group's allow-list.",
            footer = {"", "Examples:",
                    "  packyard index update team --private",
                    "  packyard index update all --allow-upstream shared-utils,other-lib",
                    "  packyard index update all --allow-upstream ''    # clear the allow-list"})
    static final class Update extends RepositoryCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--private", description = "Reading needs a token.")
        Boolean privateRead;

        @Option(names = "--public", description = "Anyone may read.")
        Boolean publicRead;

        @Option(names = "--allow-upstream", paramLabel = "PROJECT", split = ",", description = "Group: replace the allow-list.")
        List<String> allowUpstream;

        @Override
        void check() {
            if (privateRead != null && publicRead != null) {
                throw PackyardException.config("--private and --public exclude each other");
            }
            if (privateRead == null && publicRead == null && allowUpstream == null) {
                throw PackyardException.config("nothing to change: give --private, --public or --allow-upstream");
            }
        }

        @Override
        void run(Repository repo, PrintWriter out) {
            IndexConfig c = repo.indexes().require(name);
            if (privateRead != null || publicRead != null) {
                c = repo.indexes().setPrivateRead(name, privateRead != null);
            }
            if (allowUpstream != null) {
                Set<String> names = new LinkedHashSet<>();
                allowUpstream.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(names::add);
                c = repo.indexes().setAllowUpstream(name, names);
            }
            out.println("updated " + describe(c));
        }
    }

    static String describe(IndexConfig c) {
        StringBuilder b = new StringBuilder();
        b.append(c.name()).append(" (").append(c.kind().id()).append(c.privateRead() ? ", private" : "").append(')');
        switch (c.kind()) {
            case MIRROR -> b.append(" upstream ").append(c.upstream().map(URI::toString).orElse("?"))
                    .append(", page TTL ").append(c.pageTtl().toSeconds()).append("s");
            case GROUP -> {
                b.append(" members ").append(String.join(", ", c.members()));
                if (!c.allowUpstream().isEmpty()) {
                    b.append("; upstream allowed for ").append(String.join(", ", c.allowUpstream().stream().sorted().toList()));
                }
            }
            case HOSTED -> c.maxUploadBytes().ifPresent(m -> b.append(" upload limit ").append(m).append(" bytes"));
            default -> { }
        }
        return b.toString();
    }
}
