package io.packyard.cli;

import io.packyard.repository.Repository;
import io.packyard.repository.auth.ApiToken;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.auth.Tokens;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code packyard token create|list|revoke}: API tokens, on the data directory and database directly. */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        description = {
            "Create, list and revoke API tokens (works whether or not the server runs).",
            "",
            "A token belongs to a user and is scoped to one index, optionally to one project. Permissions: read "
                    + "(read a private index), upload (upload new files), maintain (upload, yank, un-yank, "
                    + "delete). Clients send it as HTTP Basic auth with the user name __token__. Only a hash of "
                    + "the token is stored: it is shown once, when created."
        },
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class},
        footer = {"", "Examples:",
                "  packyard token create --data /srv/packyard --user ci --index main",
                "  packyard token create --data /srv/packyard --user alice --index main --project notes \\",
                "      --permission maintain --expires 90d --description 'release manager'",
                "  packyard token list --data /srv/packyard",
                "  packyard token revoke --data /srv/packyard Xk3v9Qa1bC2d",
                "",
                "Exit status: 0 success, 2 usage or configuration error."})
public final class TokenCommand implements Runnable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code packyard token create}. */
    @Command(name = "create", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Create a token and print it (standard output, once). Details go to standard error."},
            footer = {"", "Examples:",
                    "  TOKEN=$(packyard token create --user ci --index main --expires 365d)",
                    "  packyard token create --user reader --index team --permission read"})
    static final class Create extends RepositoryCommand {
        @Option(names = "--user", required = true, paramLabel = "NAME", description = "Who the token is for (created when new).")
        String user;

        @Option(names = "--index", required = true, paramLabel = "INDEX", description = "The index the token works on.")
        String index;

        @Option(names = "--project", paramLabel = "PROJECT", description = "Limit uploads and maintenance to this project.")
        String project;

        @Option(names = "--permission", paramLabel = "PERM", description = "read, upload or maintain (default: upload; "
                + "read for mirrors and groups).")
        String permission;

        @Option(names = "--expires", paramLabel = "WHEN", description = "Validity: a duration (90d, 12h) or a date (2027-01-01, UTC). "
                + "Default: never.")
        String expires;

        @Option(names = "--description", paramLabel = "TEXT", description = "A note shown by token list.")
        String description;

        @Override
        void run(Repository repo, PrintWriter out) {
            Permission p;
            if (permission != null) {
                p = Permission.parse(permission);
            } else {
                p = repo.indexes().require(index).isHosted() ? Permission.UPLOAD : Permission.READ;
            }
            Optional<Duration> exp = expires == null || expires.equalsIgnoreCase("never") ? Optional.empty()
                    : Optional.of(Sizes.until("--expires", expires, Instant.now()));
            Tokens.Created c = repo.tokens().create(user, index, Optional.ofNullable(project), p, exp,
                    Optional.ofNullable(description));
            out.println(c.secret());
            ApiToken t = c.token();
            err().println("token " + t.publicId() + " for " + t.user() + " on index " + t.index()
                    + t.project().map(x -> " (project " + x + ")").orElse("") + ", permission " + t.permission().id()
                    + ", " + t.expires().map(e -> "expires " + TIME.format(e) + " UTC").orElse("never expires")
                    + ". It is shown only now: store it in your CI secrets or a password manager.");
        }
    }

    /** {@code packyard token list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (ids, never the secrets).",
            footer = {"", "Example:", "  packyard token list --data /srv/packyard"})
    static final class ListTokens extends RepositoryCommand {
        @Override
        void run(Repository repo, PrintWriter out) {
            List<ApiToken> tokens = repo.tokens().list();
            if (tokens.isEmpty()) {
                out.println("no tokens (packyard token create --user NAME --index INDEX)");
                return;
            }
            String fmt = "%-12s  %-12s  %-12s  %-14s  %-8s  %-16s  %-16s  %-16s  %s%n";
            out.printf(fmt, "ID", "USER", "INDEX", "PROJECT", "PERM", "CREATED", "EXPIRES", "LAST USED", "STATUS");
            Instant now = Instant.now();
            for (ApiToken t : tokens) {
                String status = t.revoked().isPresent() ? "revoked"
                        : t.isActive(now) ? "active" : "expired";
                out.printf(fmt, t.publicId(), t.user(), t.index(), t.project().orElse("*"), t.permission().id(),
                        TIME.format(t.created()), t.expires().map(TIME::format).orElse("never"),
                        t.lastUsed().map(TIME::format).orElse("-"),
                        status + t.description().map(d -> "  " + d).orElse(""));
            }
        }
    }

    /** {@code packyard token revoke ID}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token (by id, or the token itself).",
            footer = {"", "Example:", "  packyard token revoke Xk3v9Qa1bC2d --data /srv/packyard"})
    static final class Revoke extends RepositoryCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "The token id shown by token list (or the whole token).")
        String id;

        @Override
        void run(Repository repo, PrintWriter out) {
            ApiToken t = repo.tokens().revoke(id);
            out.println("revoked token " + t.publicId() + " of " + t.user() + " on index " + t.index());
        }
    }
}
