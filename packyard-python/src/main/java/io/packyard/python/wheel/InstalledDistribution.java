package io.packyard.python.wheel;

import io.packyard.python.PackyardException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A distribution installed into a bundle by {@link WheelInstaller}.
 *
 * @param name the project name as METADATA writes it
 * @param version the version as METADATA writes it
 * @param distInfo the installed {@code .dist-info} directory, relative to the bundle root
 * @param files every file installed for the distribution, bundle-relative and '/'-separated,
 *     sorted (launchers and INSTALLER included; RECORD, written later, not)
 * @param consoleScripts console-script command names → {@code module:attr}
 * @param guiScripts GUI-script command names → {@code module:attr}
 */
public record InstalledDistribution(
        String name,
        String version,
        Path distInfo,
        List<String> files,
        Map<String, String> consoleScripts,
        Map<String, String> guiScripts) {

    public InstalledDistribution {
        files = List.copyOf(new TreeSet<>(files));
        consoleScripts = Collections.unmodifiableMap(new TreeMap<>(consoleScripts));
        guiScripts = Collections.unmodifiableMap(new TreeMap<>(guiScripts));
        if (distInfo.isAbsolute()) {
            throw new IllegalArgumentException("distInfo must be bundle-relative: " + distInfo);
        }
    }

    /** The dist-info directory as a bundle-relative '/'-separated string. */
    public String distInfoPath() {
        return distInfo.toString().replace('\\', '/');
    }

    /** The directory holding the dist-info (site-packages), bundle-relative; RECORD paths are relative to it. */
    public String recordBase() {
        String d = distInfoPath();
        int slash = d.lastIndexOf('/');
        return slash < 0 ? "" : d.substring(0, slash);
    }

    /** The bundle-relative path of the installed RECORD. */
    public String recordPath() {
        return distInfoPath() + "/RECORD";
    }

    /**
     * Of some compiled files ({@code __pycache__/*.pyc}, bundle-relative), those whose source
     * {@code .py} belongs to this distribution.
     */
    public List<String> bytecodeOf(Collection<String> compiled) {
        Set<String> own = Set.copyOf(files);
        List<String> mine = new ArrayList<>();
        for (String pyc : new TreeSet<>(compiled)) {
            if (sourcesOf(pyc).stream().anyMatch(own::contains)) {
                mine.add(pyc);
            }
        }
        return mine;
    }

    /**
     * The possible sources of a PEP 3147 {@code d/__pycache__/m.TAG[.opt-N].pyc}: {@code d/m.py}
     * for each way to split the module name from the tag (module names may contain dots).
     */
    static List<String> sourcesOf(String pyc) {
        if (!pyc.endsWith(".pyc")) {
            return List.of();
        }
        int slash = pyc.lastIndexOf('/');
        String dir = slash < 0 ? "" : pyc.substring(0, slash);
        String file = pyc.substring(slash + 1);
        if (!(dir.equals("__pycache__") || dir.endsWith("/__pycache__"))) {
            return List.of();
        }
        String parent = dir.equals("__pycache__") ? "" : dir.substring(0, dir.length() - "/__pycache__".length());
        String stem = file.substring(0, file.length() - 4);
        List<String> out = new ArrayList<>();
        for (int dot = stem.indexOf('.'); dot > 0; dot = stem.indexOf('.', dot + 1)) {
            out.add(InstallScheme.join(parent, stem.substring(0, dot) + ".py"));
        }
        return out;
    }

    /**
     * Writes the installed RECORD: one row per file of the distribution and per {@code extraFiles}
     * entry (bundle-relative, for example {@link #bytecodeOf} of the compiled files), each with its
     * sha256 and size as they are on disk now, paths relative to {@link #recordBase()} (files
     * outside it as {@code ../../../bin/foo}), sorted, plus RECORD's own row with empty hash and size.
     * {@code __pycache__} files the wheel shipped that no longer exist (see
     * {@link BytecodeCompiler#deletePycache}) are left out; any other missing file is an error.
     *
     * @return the bundle-relative path of RECORD
     */
    public String writeRecord(Path root, Collection<String> extraFiles) {
        String recordPath = recordPath();
        Set<String> all = new TreeSet<>(files);
        all.addAll(extraFiles);
        all.remove(recordPath);
        String base = recordBase();
        List<RecordFile.Entry> rows = new ArrayList<>();
        for (String f : all) {
            Path p = root.resolve(f);
            if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                if (!sourcesOf(f).isEmpty() && !extraFiles.contains(f)) {
                    continue; // bytecode the wheel shipped, deleted before compiling
                }
                throw PackyardException.build(name + " " + version + ": RECORD: installed file " + f + " is missing");
            }
            MessageDigest md = RecordFile.digest("sha256");
            long size;
            try (InputStream in = new DigestInputStream(Files.newInputStream(p), md)) {
                size = in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw PackyardException.build(name + " " + version + ": RECORD: cannot read " + f + ": " + e.getMessage(), e);
            }
            rows.add(new RecordFile.Entry(PosixLauncherWriter.relative(base, f),
                    Optional.of("sha256=" + RecordFile.encodeDigest(md.digest())), OptionalLong.of(size)));
        }
        rows.add(new RecordFile.Entry(PosixLauncherWriter.relative(base, recordPath), Optional.empty(), OptionalLong.empty()));
        rows.sort((a, b) -> a.path().compareTo(b.path()));
        writeAtomically(root.resolve(recordPath), RecordFile.formatBytes(rows));
        return recordPath;
    }

    /** Writes to a temporary name, fsyncs, renames. */
    static void writeAtomically(Path target, byte[] content) {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".packyard-tmp");
        try {
            Files.createDirectories(target.getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            FileModes.set(tmp, 0644);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort
            }
            throw PackyardException.build("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
