package io.packyard.formats.msi;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleEntry;
import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.StandardTables;
import io.packyard.python.PackyardException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The bundle's tree as Directory, Component, File and CreateFolder rows under INSTALLDIR.
 *
 * <h2>One component per directory</h2>
 * Windows Installer registers every component (a registry key per component and product, a
 * reference count, a key-path check on every repair), and the cost of an install grows with
 * the number of components far more than with the number of files. A Python application has
 * thousands of files in a few hundred directories, so Packyard makes one component per
 * directory that holds files: all the directory's files belong to it and its key path is the
 * directory's first file in byte order. A directory with nothing in it gets a component of its
 * own with a CreateFolder row (and the directory as key path), so it is created and removed
 * like the rest. Directories that hold only directories need no component.
 *
 * <p>The component rules say a component's content must not change while its GUID stays. That
 * matters for minor upgrades and patches, which Packyard does not make: every version is a major
 * upgrade that removes the previous product completely before installing (RemoveExistingProducts
 * right after InstallInitialize), so no two versions' components ever meet. GUIDs are still
 * derived from the key path ({@link MsiIds#componentGuid}), so they are stable when it is and
 * change when it moves.
 *
 * <p>Components carry msidbComponentAttributes64bit (256): the packages are x64 and Arm64, and
 * the bit makes their registry key paths and 64-bit folders resolve in the native view. Files
 * are msidbFileAttributesVital (512): a file that cannot be written fails the installation
 * instead of leaving a partial application. The Version column stays empty (every file is
 * unversioned): nothing else shares the application's private directory, and the previous
 * version's files are gone before the new ones are copied, so the version rules would decide
 * nothing.
 */
final class MsiFileTree {
    /** msidbComponentAttributes64bit. */
    static final int COMPONENT_64BIT = 256;
    /** msidbFileAttributesVital. */
    static final int FILE_VITAL = 512;

    /** A file in cabinet (= File.Sequence) order. */
    record CabFile(String key, String bundlePath, Path source, long size) {}

    /** A Component row. */
    record Component(String key, String guid, String directory, String keyPath) {}

    private record DirRow(String key, String parent, String defaultDir) {}

    private record FileRow(String key, String component, String fileName, long size) {}

    private final List<DirRow> directories = new ArrayList<>();
    private final List<Component> components = new ArrayList<>();
    private final List<FileRow> files = new ArrayList<>();
    private final List<String[]> createFolders = new ArrayList<>();
    private final List<CabFile> cabFiles = new ArrayList<>();
    private final Map<String, String> fileKeys = new HashMap<>();

    private MsiFileTree() {}

    /**
     * Lays out the bundle under the directory {@code rootKey} (INSTALLDIR).
     *
     * @param upgradeCode the product's UpgradeCode, namespace of the component GUIDs
     */
    static MsiFileTree of(Bundle bundle, UUID upgradeCode, String rootKey) {
        MsiFileTree t = new MsiFileTree();
        // children of every directory, in bundle (sorted) order; "" is the root
        Map<String, List<BundleEntry>> children = new LinkedHashMap<>();
        children.put("", new ArrayList<>());
        for (BundleEntry e : bundle.entries()) {
            if (e.isSymlink()) {
                throw PackyardException.build("bundle path " + e.path() + ": a symbolic link; an MSI cannot hold one");
            }
            children.computeIfAbsent(parent(e.path()), k -> new ArrayList<>()).add(e);
            if (e.isDirectory()) {
                children.computeIfAbsent(e.path(), k -> new ArrayList<>());
            }
        }
        Map<String, String> dirKeys = new HashMap<>();
        dirKeys.put("", rootKey);
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (Map.Entry<String, List<BundleEntry>> d : children.entrySet()) {
            String dir = d.getKey();
            List<BundleEntry> kids = d.getValue();
            List<String> names = kids.stream().map(BundleEntry::fileName).toList();
            List<String> fileNames = MsiShortNames.of(names, "bundle directory " + (dir.isEmpty() ? "(root)" : dir));
            String dirKey = dirKeys.get(dir);
            String componentKey = null;
            for (int i = 0; i < kids.size(); i++) {
                BundleEntry e = kids.get(i);
                String value = fileNames.get(i);
                if (value.length() > 255) {
                    throw PackyardException.build("bundle path " + e.path() + ": the name is too long for an MSI"
                            + " (at most 242 characters)");
                }
                if (e.isDirectory()) {
                    String key = unique(keys, MsiIds.directoryKey(e.path()), e.path());
                    dirKeys.put(e.path(), key);
                    t.directories.add(new DirRow(key, dirKey, value));
                } else {
                    String key = unique(keys, MsiIds.fileKey(e.path()), e.path());
                    if (componentKey == null) {
                        componentKey = unique(keys, MsiIds.componentKey(dir + "/"), dir);
                        t.components.add(new Component(componentKey,
                                MsiIds.guid(MsiIds.componentGuid(upgradeCode, e.path())), dirKey, key));
                    }
                    t.files.add(new FileRow(key, componentKey, value, e.size()));
                    t.cabFiles.add(new CabFile(key, e.path(), e.source(), e.size()));
                    t.fileKeys.put(e.path(), key);
                }
            }
            if (kids.isEmpty() && !dir.isEmpty()) {
                String key = unique(keys, MsiIds.componentKey(dir + "/"), dir);
                t.components.add(new Component(key, MsiIds.guid(MsiIds.componentGuid(upgradeCode, dir + "/")), dirKey,
                        null));
                t.createFolders.add(new String[] {dirKey, key});
            }
        }
        return t;
    }

    private static String unique(java.util.Set<String> keys, String key, String path) {
        if (!keys.add(key)) {
            throw PackyardException.build("bundle path " + path + ": its MSI key " + key
                    + " collides with another path's; rename one of them");
        }
        return key;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    /** Adds the Directory (below the root), Component, File and CreateFolder rows. */
    void addTo(MsiDatabase db) {
        var directory = db.table(StandardTables.DIRECTORY);
        for (DirRow d : directories) {
            directory.add(d.key(), d.parent(), d.defaultDir());
        }
        var component = db.table(StandardTables.COMPONENT);
        for (Component c : components) {
            component.add(c.key(), c.guid(), c.directory(), COMPONENT_64BIT, null, c.keyPath());
        }
        var file = db.table(StandardTables.FILE);
        int sequence = 1;
        for (FileRow f : files) {
            file.add(f.key(), f.component(), f.fileName(), f.size(), null, null, FILE_VITAL, sequence++);
        }
        if (!createFolders.isEmpty()) {
            var create = db.table(StandardTables.CREATE_FOLDER);
            for (String[] c : createFolders) {
                create.add(c[0], c[1]);
            }
        }
    }

    /** The files in File.Sequence order (1, 2, ...): the order to put them in the cabinet. */
    List<CabFile> cabinetFiles() {
        return List.copyOf(cabFiles);
    }

    List<Component> components() {
        return List.copyOf(components);
    }

    /** The File key of a bundle file. */
    Optional<String> fileKey(String bundlePath) {
        return Optional.ofNullable(fileKeys.get(bundlePath));
    }

    int fileCount() {
        return files.size();
    }
}
