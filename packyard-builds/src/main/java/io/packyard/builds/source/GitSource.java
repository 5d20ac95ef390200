package io.packyard.builds.source;

import io.packyard.python.util.FileTrees;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.api.CloneCommand;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.InvalidRemoteException;
import org.eclipse.jgit.api.errors.TransportException;
import org.eclipse.jgit.errors.AmbiguousObjectException;
import org.eclipse.jgit.errors.NoRemoteRepositoryException;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.submodule.SubmoduleWalk;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

/**
 * Gets a build's source from git with JGit: clone, check out a branch, tag, full ref or commit id
 * (detached), then initialise and update submodules recursively.
 *
 * <p>URLs: {@code file://}, plain local paths, {@code http(s)://} (optionally with a username and
 * password or token) and {@code ssh://} / {@code user@host:path} through JGit's default SSH
 * transport (which needs an SSH implementation such as {@code org.eclipse.jgit.ssh.apache} on the
 * class path).
 */
public final class GitSource {

    /** Network read timeout of a clone or fetch, in seconds. */
    static final int TIMEOUT_SECONDS = 120;
    private static final int MAX_LISTED = 20;
    private static final int MAX_SUBMODULE_DEPTH = 10;
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{4,40}");
    private static final Pattern SERVER_ERROR = Pattern.compile("\\b(500|502|503|504|429)\\b");

    private GitSource() {
    }

    /**
     * The result of a checkout.
     *
     * @param commit the full commit id checked out
     * @param ref what was asked for, resolved to a full ref ({@code refs/heads/main},
     *     {@code refs/tags/v1.0}) or, for a commit id, the full commit id
     */
    public record GitCheckout(String commit, String ref) {
    }

    /** {@link #checkout(String, String, Path, Consumer, String, String)} without credentials. */
    public static GitCheckout checkout(String url, String ref, Path dir, Consumer<String> log) {
        return checkout(url, ref, dir, log, null, null);
    }

    /**
     * Clones {@code url} into {@code dir} (which must not exist or be empty) and checks out
     * {@code ref}: a branch or tag name, {@code refs/heads/x}, {@code refs/tags/x}, another full
     * ref the server has ({@code refs/pull/1/head}), or a full or abbreviated commit id; null or
     * blank means the remote's default branch. Submodules are checked out recursively.
     *
     * @param username for http(s); with a token only, pass any non-empty user name (GitHub:
     *     {@code x-access-token}) or null to use {@code "git"}
     * @param password password or token for http(s); null for none
     * @throws SourceException one line naming the repository and the problem; on failure
     *     {@code dir} is removed again
     */
    public static GitCheckout checkout(String url, String ref, Path dir, Consumer<String> log,
            String username, String password) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(dir, "dir");
        Consumer<String> out = log == null ? s -> { } : log;
        String shown = redact(url);
        String wanted = ref == null || ref.isBlank() ? null : ref.strip();
        CredentialsProvider credentials = password == null ? null
                : new UsernamePasswordCredentialsProvider(username == null || username.isEmpty() ? "git" : username, password);
        boolean existed = Files.exists(dir);
        try {
            if (existed) {
                try (var s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalArgumentException("checkout directory is not empty: " + dir);
                    }
                }
            }
        } catch (IOException e) {
            throw SourceException.transientFailure("git checkout directory " + dir + ": " + e.getMessage(), e);
        }
        out.accept("cloning " + shown + " (ref " + (wanted == null ? "default branch" : wanted) + ")");
        boolean ok = false;
        try {
            CloneCommand clone = Git.cloneRepository()
                    .setURI(url)
                    .setDirectory(dir.toFile())
                    .setNoCheckout(true)
                    .setCloneAllBranches(true)
                    .setTimeout(TIMEOUT_SECONDS)
                    .setCredentialsProvider(credentials);
            GitCheckout result;
            try (Git git = clone.call()) {
                Repository repo = git.getRepository();
                ResolvedRef resolved = resolve(git, repo, url, shown, wanted, credentials);
                // Detach HEAD at the commit, then fill index and work tree (both empty after a no-checkout clone).
                org.eclipse.jgit.lib.RefUpdate head = repo.getRefDatabase().newUpdate(Constants.HEAD, true);
                head.setNewObjectId(resolved.commit);
                head.forceUpdate();
                git.reset().setMode(org.eclipse.jgit.api.ResetCommand.ResetType.HARD).setRef(resolved.commit.name()).call();
                out.accept("checked out " + resolved.commit.name()
                        + (resolved.ref.equals(resolved.commit.name()) ? "" : " (" + resolved.ref + ")"));
                updateSubmodules(git, shown, credentials, out, 0);
                result = new GitCheckout(resolved.commit.name(), resolved.ref);
            }
            ok = true;
            return result;
        } catch (GitAPIException e) {
            throw classify(shown, e);
        } catch (IOException e) {
            throw classify(shown, e);
        } catch (org.eclipse.jgit.errors.ConfigInvalidException e) {
            throw SourceException.permanent("git repository " + shown + ": invalid .gitmodules (" + msg(e) + ")", e);
        } catch (org.eclipse.jgit.api.errors.JGitInternalException e) {
            throw classify(shown, e.getCause() != null ? e.getCause() : e);
        } finally {
            if (!ok) {
                deleteQuietly(dir, existed);
            }
        }
    }

    private record ResolvedRef(ObjectId commit, String ref) {
    }

    private static ResolvedRef resolve(Git git, Repository repo, String url, String shown, String wanted,
            CredentialsProvider credentials) throws IOException, GitAPIException {
        if (wanted == null) {
            Ref head = repo.exactRef(Constants.HEAD);
            if (head == null || head.getObjectId() == null) {
                throw SourceException.permanent("git repository " + shown + ": has no default branch (empty repository?)");
            }
            String name = head.isSymbolic() ? head.getTarget().getName() : Constants.HEAD;
            return new ResolvedRef(peelCommit(repo, head.getObjectId(), shown, "HEAD"), name);
        }
        String branch = null;
        String tag = null;
        if (wanted.startsWith(Constants.R_HEADS)) {
            branch = wanted.substring(Constants.R_HEADS.length());
        } else if (wanted.startsWith(Constants.R_TAGS)) {
            tag = wanted.substring(Constants.R_TAGS.length());
        } else if (wanted.startsWith(Constants.R_REFS)) {
            // Another full ref (refs/pull/1/head, refs/merge-requests/...): fetch it by name.
            try {
                git.fetch().setRemote("origin").setTimeout(TIMEOUT_SECONDS).setCredentialsProvider(credentials)
                        .setRefSpecs(new RefSpec("+" + wanted + ":" + wanted)).call();
            } catch (TransportException e) {
                if (classify(shown, e).transientFailure()) {
                    throw e;
                }
                throw notFound(repo, shown, wanted);
            }
            Ref r = repo.exactRef(wanted);
            if (r == null) {
                throw notFound(repo, shown, wanted);
            }
            return new ResolvedRef(peelCommit(repo, r.getObjectId(), shown, wanted), wanted);
        } else {
            branch = wanted;
            tag = wanted;
        }
        if (branch != null) {
            Ref r = repo.exactRef(Constants.R_REMOTES + "origin/" + branch);
            if (r != null) {
                return new ResolvedRef(peelCommit(repo, r.getObjectId(), shown, wanted), Constants.R_HEADS + branch);
            }
        }
        if (tag != null) {
            Ref r = repo.exactRef(Constants.R_TAGS + tag);
            if (r != null) {
                return new ResolvedRef(peelCommit(repo, r.getObjectId(), shown, wanted), Constants.R_TAGS + tag);
            }
        }
        if (branch != null && tag != null && HEX.matcher(wanted).matches()) {
            ObjectId id;
            try {
                id = repo.resolve(wanted.toLowerCase(java.util.Locale.ROOT) + "^{commit}");
            } catch (AmbiguousObjectException e) {
                throw SourceException.permanent("git ref '" + wanted + "' in " + shown
                        + ": abbreviated commit id is ambiguous, give more digits", e);
            } catch (org.eclipse.jgit.errors.RevisionSyntaxException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
                id = null;
            }
            if (id != null) {
                return new ResolvedRef(id, id.name());
            }
        }
        throw notFound(repo, shown, wanted);
    }

    private static ObjectId peelCommit(Repository repo, ObjectId id, String shown, String wanted) throws IOException {
        try (RevWalk walk = new RevWalk(repo)) {
            RevCommit c = walk.parseCommit(id);
            return c.getId();
        } catch (org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
            throw SourceException.permanent("git ref '" + wanted + "' in " + shown + ": does not point to a commit", e);
        }
    }

    private static SourceException notFound(Repository repo, String shown, String wanted) throws IOException {
        List<String> branches = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_REMOTES + "origin/")) {
            String n = r.getName().substring((Constants.R_REMOTES + "origin/").length());
            if (!n.equals(Constants.HEAD)) {
                branches.add(n);
            }
        }
        for (Ref r : repo.getRefDatabase().getRefsByPrefix(Constants.R_TAGS)) {
            tags.add(r.getName().substring(Constants.R_TAGS.length()));
        }
        branches.sort(null);
        tags.sort(null);
        return SourceException.permanent("git ref '" + wanted + "' not found in " + shown
                + " (branches: " + list(branches) + "; tags: " + list(tags) + ")");
    }

    private static String list(List<String> names) {
        if (names.isEmpty()) {
            return "none";
        }
        if (names.size() <= MAX_LISTED) {
            return String.join(", ", names);
        }
        return String.join(", ", names.subList(0, MAX_LISTED)) + " and " + (names.size() - MAX_LISTED) + " more";
    }

    private static void updateSubmodules(Git git, String shown, CredentialsProvider credentials, Consumer<String> out,
            int depth) throws GitAPIException, IOException, org.eclipse.jgit.errors.ConfigInvalidException {
        Repository repo = git.getRepository();
        if (!Files.exists(repo.getWorkTree().toPath().resolve(Constants.DOT_GIT_MODULES))) {
            return;
        }
        if (depth >= MAX_SUBMODULE_DEPTH) {
            throw SourceException.permanent("git repository " + shown + ": submodules nested deeper than " + MAX_SUBMODULE_DEPTH);
        }
        git.submoduleInit().call();
        if (!isLocal(git.getRepository().getConfig().getString("remote", "origin", "url"))) {
            // A remote repository must not make the worker clone the worker's own local repositories
            // (git refuses file submodules by default for the same reason, CVE-2022-39253).
            try (SubmoduleWalk walk = SubmoduleWalk.forIndex(repo)) {
                while (walk.next()) {
                    String subUrl = walk.getConfigUrl() != null ? walk.getConfigUrl() : walk.getModulesUrl();
                    if (subUrl != null && isLocal(subUrl)) {
                        throw SourceException.permanent("git repository " + shown + ": submodule '" + walk.getPath()
                                + "' has a local URL " + subUrl + ", refused for a remote repository");
                    }
                }
            }
        }
        git.submoduleUpdate().setCredentialsProvider(credentials).setFetch(true).call();
        try (SubmoduleWalk walk = SubmoduleWalk.forIndex(repo)) {
            while (walk.next()) {
                String path = walk.getPath();
                try (Repository sub = walk.getRepository()) {
                    if (sub == null) {
                        throw SourceException.permanent("git repository " + shown + ": submodule '" + path
                                + "' could not be checked out (url " + redact(String.valueOf(walk.getModulesUrl())) + ")");
                    }
                    out.accept("submodule " + path + ": checked out " + walk.getObjectId().name());
                    try (Git subGit = Git.wrap(sub)) {
                        updateSubmodules(subGit, redact(String.valueOf(walk.getModulesUrl())), credentials, out, depth + 1);
                    }
                }
            }
        }
    }

    /** Whether a git URL names a repository on this machine (a path or file://), not on a server. */
    static boolean isLocal(String url) {
        if (url == null) {
            return true;
        }
        String u = url.strip();
        if (u.regionMatches(true, 0, "file:", 0, 5)) {
            return true;
        }
        if (u.matches("(?i)^[a-z][a-z0-9+.-]*://.*")) {
            return false;
        }
        // scp-like syntax user@host:path (a colon before any slash) is remote; everything else is a path.
        int colon = u.indexOf(':');
        int slash = u.indexOf('/');
        boolean windowsDrive = u.matches("(?i)^[a-z]:[\\\\/].*");
        return colon < 0 || windowsDrive || (slash >= 0 && slash < colon);
    }

    /** Maps a JGit/IO failure to a one-line SourceException, deciding whether it is transient. */
    static SourceException classify(String shown, Throwable e) {
        if (e instanceof SourceException se) {
            return se;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SourceException se) {
                return se;
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return SourceException.transientFailure("git repository " + shown + ": connection failed (" + msg(t) + ")", e);
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException) {
                return SourceException.transientFailure("git repository " + shown + ": timed out (" + msg(t) + ")", e);
            }
            if (t instanceof UnknownHostException) {
                return SourceException.permanent("git repository " + shown + ": unknown host " + t.getMessage(), e);
            }
            if (t instanceof NoRemoteRepositoryException) {
                return SourceException.permanent("git repository " + shown + ": not found", e);
            }
            if (t instanceof NotSupportedException) {
                return SourceException.permanent("git repository " + shown + ": unsupported URL (" + msg(t) + ")", e);
            }
            if (t instanceof SocketException) {
                return SourceException.transientFailure("git repository " + shown + ": connection failed (" + msg(t) + ")", e);
            }
        }
        String m = msg(e);
        if (m.startsWith(shown + ": ")) {
            m = m.substring(shown.length() + 2); // JGit repeats the URL
        }
        String lower = m.toLowerCase(java.util.Locale.ROOT);
        if (e instanceof InvalidRemoteException || lower.contains("not found") || lower.contains("does not appear to be a git repository")) {
            return SourceException.permanent("git repository " + shown + ": not found", e);
        }
        if (lower.contains("not authorized") || lower.contains("authentication") || lower.contains("auth fail")
                || lower.contains("403") || lower.contains("401")) {
            return SourceException.permanent("git repository " + shown + ": authentication failed", e);
        }
        if (SERVER_ERROR.matcher(m).find() || lower.contains("connection reset") || lower.contains("connection refused")
                || lower.contains("timed out") || lower.contains("timeout")) {
            return SourceException.transientFailure("git repository " + shown + ": " + m, e);
        }
        if (e instanceof TransportException || e instanceof org.eclipse.jgit.errors.TransportException) {
            return SourceException.permanent("git repository " + shown + ": " + m, e);
        }
        if (e instanceof IOException) {
            // A local I/O failure (disk full, permissions of the work area): the machine's fault.
            return SourceException.transientFailure("git repository " + shown + ": " + m, e);
        }
        return SourceException.permanent("git repository " + shown + ": " + m, e);
    }

    private static String msg(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return redactAll(m.replaceAll("[\\r\\n]+", " ").strip());
    }

    /** The URL without a password: {@code https://user:secret@host/x} → {@code https://user@host/x}. */
    static String redact(String url) {
        return url.replaceAll("^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:]*):[^/@]*@", "$1@");
    }

    private static String redactAll(String text) {
        return text.replaceAll("([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:\\s]*):[^/@\\s]*@", "$1@");
    }

    /** Deletes {@code dir}, or only its contents when {@code keepDir}; best effort (the worker cleans up anyway). */
    private static void deleteQuietly(Path dir, boolean keepDir) {
        if (!keepDir) {
            FileTrees.deleteQuietly(dir);
            return;
        }
        try (Stream<Path> children = Files.list(dir)) {
            children.forEach(FileTrees::deleteQuietly);
        } catch (IOException | UncheckedIOException ignored) {
            // best effort: the caller's work area is cleaned up by the worker anyway
        }
    }
}
