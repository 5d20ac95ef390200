package io.packyard.repository.index;

import io.packyard.python.names.ProjectName;
import io.packyard.python.version.Version;
import io.packyard.python.wheel.WheelFilename;
import io.packyard.repository.db.Database;
import io.packyard.repository.db.FileDao;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What each kind of index serves: project lists, project pages and files. The rules of the three
 * kinds live here:
 *
 * <ul>
 *   <li><b>hosted</b>: the uploaded files of the project, in upload order.</li>
 *   <li><b>mirror</b>: upstream's files, through {@link Mirror} (cached pages and files).</li>
 *   <li><b>group</b>: the members' files merged in member order (the first member listing a file
 *       name wins). <b>Dependency confusion</b>: when any hosted member has the project, mirror
 *       members are not consulted for that name at all (not even asked upstream), unless the
 *       group's allow-list names the project. So an upstream {@code internal-lib 99.0} cannot
 *       shadow the hosted {@code internal-lib 1.0}.</li>
 * </ul>
 */
public final class Catalog {

    /** A project on a project list: its display name and normalized name. */
    public record ProjectEntry(String name, String normalized) {}

    /** A file to serve: the blob holding it, its size and the index it came from. */
    public record ServedBlob(String sha256, String filename, String fromIndex) {}

    private final Database db;
    private final Indexes indexes;
    private final Mirror mirror;

    public Catalog(Database db, Indexes indexes, Mirror mirror) {
        this.db = db;
        this.indexes = indexes;
        this.mirror = mirror;
    }

    // ---------------------------------------------------------------- project lists

    /** The projects an index lists on {@code /simple/}, sorted by normalized name. */
    public List<ProjectEntry> projects(IndexConfig index) {
        return switch (index.kind()) {
            case HOSTED -> db.jdbi().withHandle(h -> FileDao.projects(h, index.id())).stream()
                    .map(p -> new ProjectEntry(p.displayName(), p.name())).toList();
            case MIRROR -> mirror.projects(index).stream().map(p -> new ProjectEntry(p, p)).toList();
            case GROUP -> {
                Map<String, ProjectEntry> merged = new TreeMap<>();
                for (IndexConfig m : indexes.members(index)) {
                    for (ProjectEntry e : projects(m)) {
                        merged.putIfAbsent(e.normalized(), e);
                    }
                }
                yield List.copyOf(merged.values());
            }
        };
    }

    // ---------------------------------------------------------------- project pages

    /**
     * A project's page, or empty when the index does not have the project.
     *
     * @param project the normalized name
     * @throws UpstreamException when a mirror's upstream fails and nothing is cached
     */
    public Optional<ProjectPage> page(IndexConfig index, String project) {
        return switch (index.kind()) {
            case HOSTED -> hostedPage(index, project);
            case MIRROR -> mirrorPage(index, project);
            case GROUP -> groupPage(index, project);
        };
    }

    private Optional<ProjectPage> hostedPage(IndexConfig index, String project) {
        return db.jdbi().withHandle(h -> FileDao.findProject(h, index.id(), project).map(p -> {
            List<PageFile> files = new ArrayList<>();
            for (HostedFile f : FileDao.files(h, p.id())) {
                files.add(new PageFile(f.filename(), f.sha256(), f.requiresPython(), f.yanked(), f.metadataSha256(),
                        OptionalLong.of(f.size()), Optional.of(f.uploadTime()), Optional.of(f.version())));
            }
            return new ProjectPage(project, files, versions(files));
        }));
    }

    private Optional<ProjectPage> mirrorPage(IndexConfig index, String project) {
        return mirror.files(index, project).map(list -> {
            Map<String, Long> sizes = mirror.cachedSizes(index, project);
            List<PageFile> files = new ArrayList<>();
            for (MirrorFile f : list) {
                Long size = sizes.get(f.sha256());
                files.add(new PageFile(f.filename(), f.sha256(), f.requiresPython(), f.yanked(), f.metadataSha256(),
                        size == null ? OptionalLong.empty() : OptionalLong.of(size), Optional.empty(),
                        versionFromFilename(f.filename(), project)));
            }
            return new ProjectPage(project, files, versions(files));
        });
    }

    private Optional<ProjectPage> groupPage(IndexConfig group, String project) {
        List<IndexConfig> members = indexes.members(group);
        boolean mirrorsHidden = mirrorsHidden(group, members, project);
        Map<String, PageFile> files = new LinkedHashMap<>();
        boolean found = false;
        for (IndexConfig m : members) {
            if (m.isMirror() && mirrorsHidden) {
                continue;
            }
            Optional<ProjectPage> p = page(m, project);
            if (p.isPresent()) {
                found = true;
                for (PageFile f : p.get().files()) {
                    files.putIfAbsent(f.filename(), f);
                }
            }
        }
        if (!found) {
            return Optional.empty();
        }
        List<PageFile> list = List.copyOf(files.values());
        return Optional.of(new ProjectPage(project, list, versions(list)));
    }

    /**
     * The dependency-confusion rule: mirror members of a group are ignored for a project that a
     * hosted member has, unless the group's allow-list names it.
     */
    boolean mirrorsHidden(IndexConfig group, List<IndexConfig> members, String project) {
        if (group.allowUpstream().contains(project)) {
            return false;
        }
        List<Long> hosted = members.stream().filter(IndexConfig::isHosted).map(IndexConfig::id).toList();
        return db.jdbi().withHandle(h -> FileDao.anyHasProject(h, hosted, project));
    }

    /**
     * A stamp that changes whenever a hosted project's page changes (upload, yank, delete); empty
     * for other index kinds and unknown projects. Keys caches of rendered pages.
     */
    public Optional<Long> changeStamp(IndexConfig index, String project) {
        if (!index.isHosted()) {
            return Optional.empty();
        }
        return db.jdbi().withHandle(h -> FileDao.changeStamp(h, index.id(), project));
    }

    // ---------------------------------------------------------------- files

    /**
     * The blob to serve for {@code files/<sha256>/<filename>} of an index (a mirror downloads it
     * first when needed); empty when the index does not serve that file.
     */
    public Optional<ServedBlob> file(IndexConfig index, String sha256, String filename) {
        switch (index.kind()) {
            case HOSTED -> {
                return db.jdbi().withHandle(h -> FileDao.findFile(h, index.id(), filename))
                        .filter(f -> f.sha256().equals(sha256))
                        .map(f -> new ServedBlob(f.sha256(), f.filename(), index.name()));
            }
            case MIRROR -> {
                return mirror.file(index, sha256, filename)
                        .map(f -> new ServedBlob(mirror.fetchFile(index, f), f.filename(), index.name()));
            }
            case GROUP -> {
                return fromMembers(index, sha256, filename, this::file);
            }
            default -> throw new IllegalStateException();
        }
    }

    /** The blob holding a file's core metadata (PEP 658), when the index serves it. */
    public Optional<ServedBlob> metadata(IndexConfig index, String sha256, String filename) {
        switch (index.kind()) {
            case HOSTED -> {
                return db.jdbi().withHandle(h -> FileDao.findFile(h, index.id(), filename))
                        .filter(f -> f.sha256().equals(sha256))
                        .flatMap(f -> f.metadataSha256().map(m -> new ServedBlob(m, f.filename() + ".metadata", index.name())));
            }
            case MIRROR -> {
                return mirror.file(index, sha256, filename)
                        .flatMap(f -> mirror.fetchMetadata(index, f)
                                .map(m -> new ServedBlob(m, f.filename() + ".metadata", index.name())));
            }
            case GROUP -> {
                return fromMembers(index, sha256, filename, this::metadata);
            }
            default -> throw new IllegalStateException();
        }
    }

    /** What a group serves for a file: the first member's, skipping mirror files the group hides. */
    private Optional<ServedBlob> fromMembers(IndexConfig group, String sha256, String filename, MemberLookup lookup) {
        List<IndexConfig> members = indexes.members(group);
        for (IndexConfig m : members) {
            if (m.isMirror()) {
                Optional<MirrorFile> mf = mirror.file(m, sha256, filename);
                if (mf.isEmpty() || mirrorsHidden(group, members, mf.get().project())) {
                    continue;
                }
            }
            Optional<ServedBlob> b = lookup.find(m, sha256, filename);
            if (b.isPresent()) {
                return b;
            }
        }
        return Optional.empty();
    }

    @FunctionalInterface
    private interface MemberLookup {
        Optional<ServedBlob> find(IndexConfig member, String sha256, String filename);
    }

    // ---------------------------------------------------------------- versions

    /** Distinct versions of the files, ascending by PEP 440 (unparseable ones last, by text). */
    static List<String> versions(List<PageFile> files) {
        Map<String, Version> parsed = new LinkedHashMap<>();
        TreeSet<String> invalid = new TreeSet<>();
        for (PageFile f : files) {
            f.version().ifPresent(v -> Version.tryParse(v).ifPresentOrElse(pv -> {
                if (parsed.values().stream().noneMatch(pv::equals)) {
                    parsed.put(v, pv);
                }
            }, () -> invalid.add(v)));
        }
        List<String> out = new ArrayList<>(parsed.entrySet().stream()
                .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                .map(Map.Entry::getKey).toList());
        out.addAll(invalid);
        return out;
    }

    /** The version in a wheel or sdist file name of a project, when it can be told. */
    static Optional<String> versionFromFilename(String filename, String project) {
        String lower = filename.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".whl")) {
            try {
                return Optional.of(WheelFilename.parse(filename).version());
            } catch (RuntimeException e) {
                return Optional.empty();
            }
        }
        String stem = null;
        for (String ext : List.of(".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")) {
            if (lower.endsWith(ext)) {
                stem = filename.substring(0, filename.length() - ext.length());
                break;
            }
        }
        if (stem == null) {
            return Optional.empty();
        }
        for (int i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
            if (ProjectName.normalize(stem.substring(0, i)).equals(project)) {
                String v = stem.substring(i + 1);
                return v.isEmpty() ? Optional.empty() : Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
