package io.packyard.python.upload;

import io.packyard.python.PackyardException;
import io.packyard.python.index.Hashes;
import io.packyard.python.metadata.CoreMetadata;
import io.packyard.python.names.ProjectName;
import io.packyard.python.tags.Tag;
import io.packyard.python.util.Progress;
import io.packyard.python.version.InvalidVersionException;
import io.packyard.python.version.Version;
import io.packyard.python.wheel.EntryPoint;
import io.packyard.python.wheel.RecordFile;
import io.packyard.python.wheel.WheelArchive;
import io.packyard.python.wheel.WheelFilename;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Validates an uploaded distribution (wheel or sdist) as strictly as PyPI's Warehouse does, and
 * more where Warehouse is lax (RECORD hashes are verified, archives are bounded by the bytes they
 * really inflate to). Pure library: the server hands it the form fields and the received file;
 * the publish client uses {@link #inspect} on a file before sending it.
 *
 * <p>The rules, in order (the first failure is reported, as one line):
 * <ol>
 *   <li>form: {@code :action} is {@code file_upload}, {@code protocol_version} is 1, {@code name}
 *       is a valid project name, {@code version} a valid PEP 440 version, {@code filetype} is
 *       {@code bdist_wheel} or {@code sdist}, {@code pyversion} is given for wheels and is
 *       {@code source} for sdists, {@code metadata_version} is supported, at least one digest is
 *       sent and each is well-formed;</li>
 *   <li>file name: no control characters or path separators, extension {@code .whl} for wheels
 *       and {@code .tar.gz} for sdists (PyPI refuses {@code .zip} sdists since PEP 625);</li>
 *   <li>file: not empty, not over {@link #maxFileSize()} (413), every sent digest matches;</li>
 *   <li>archive: {@link StrictZip} framing rules for wheels, strict gzip + tar for sdists, safe
 *       member paths, no duplicates, links inside the top directory, bounded total inflated size
 *       and compression ratio (declared sizes first, then the bytes actually inflated);</li>
 *   <li>wheel: valid wheel file name with the normalized name and canonical version,
 *       {@code {name}-{version}.dist-info/} with WHEEL (Wheel-Version 1.x), METADATA and RECORD,
 *       RECORD listing exactly the archive's files with matching sizes and hashes, valid entry
 *       point names, License-File entries present;</li>
 *   <li>sdist: {@code {normalized_name}-{canonical_version}.tar.gz}, one top-level directory
 *       {@code {name}-{version}/} holding PKG-INFO, License-File entries present;</li>
 *   <li>metadata ({@link MetadataRules}): supported Metadata-Version, valid Name and Version, no
 *       duplicated single-use fields, valid requirements without direct URLs, valid
 *       Requires-Python, single-line Summary of at most 512 characters, ...; its Name and Version
 *       match the file name;</li>
 *   <li>form against file: the form's name, version, metadata_version and requires_python (when
 *       sent) agree with the file's metadata.</li>
 * </ol>
 */
public final class UploadValidator {

    public static final long DEFAULT_MAX_FILE_SIZE = 100L << 20;
    public static final long DEFAULT_MAX_UNCOMPRESSED_SIZE = 4L << 30;
    /** Warehouse's COMPRESSION_RATIO_THRESHOLD. */
    public static final double DEFAULT_MAX_COMPRESSION_RATIO = 50;
    /** Warehouse's COMPRESSION_RATIO_MIN_SIZE: below this many inflated bytes the ratio is not checked. */
    public static final long DEFAULT_COMPRESSION_RATIO_MIN_SIZE = 64L << 20;
    public static final int DEFAULT_MAX_MEMBERS = 100_000;

    /** Largest WHEEL / METADATA / RECORD / entry_points.txt / PKG-INFO accepted. */
    static final long MAX_METADATA_FILE = 16L << 20;

    private static final String ARCHIVES_HELP = "See https://docs.pypi.org/archives for more information";
    private static final Pattern SHA256_HEX = Pattern.compile("^[A-Fa-f0-9]{64}$");
    private static final Pattern MD5_HEX = Pattern.compile("^[A-Fa-f0-9]{32}$");
    private static final Pattern ENTRY_POINT_NAME = Pattern.compile("[\\w.-]+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final List<String> SINGLE_VALUED_FIELDS = List.of(":action", "protocol_version", "name", "version",
            "filetype", "pyversion", "metadata_version", "md5_digest", "sha256_digest", "blake2_256_digest",
            "requires_python", "summary");
    private static final Pattern DIST_FILE = Pattern.compile("^.+?(\\.tar\\.gz|\\.zip|\\.whl)$", Pattern.CASE_INSENSITIVE);

    private final long maxFileSize;
    private final long maxUncompressedSize;
    private final double maxCompressionRatio;
    private final long compressionRatioMinSize;
    private final int maxMembers;
    private final boolean allowLocalVersions;
    private final boolean restrictPlatformTags;

    private UploadValidator(Builder b) {
        this.maxFileSize = b.maxFileSize;
        this.maxUncompressedSize = b.maxUncompressedSize;
        this.maxCompressionRatio = b.maxCompressionRatio;
        this.compressionRatioMinSize = b.compressionRatioMinSize;
        this.maxMembers = b.maxMembers;
        this.allowLocalVersions = b.allowLocalVersions;
        this.restrictPlatformTags = b.restrictPlatformTags;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A validator with every default. */
    public static UploadValidator defaults() {
        return builder().build();
    }

    /** Largest accepted file; the server should stop receiving past it and answer {@link UploadRejectedException#tooLarge}. */
    public long maxFileSize() {
        return maxFileSize;
    }

    public long maxUncompressedSize() {
        return maxUncompressedSize;
    }

    public double maxCompressionRatio() {
        return maxCompressionRatio;
    }

    public long compressionRatioMinSize() {
        return compressionRatioMinSize;
    }

    public int maxMembers() {
        return maxMembers;
    }

    public boolean allowLocalVersions() {
        return allowLocalVersions;
    }

    public boolean restrictPlatformTags() {
        return restrictPlatformTags;
    }

    // ---------------------------------------------------------------- form + file

    /**
     * Validates an upload: the form fields, then the file (read only; never moved or deleted).
     *
     * @param form the multipart text fields and the content part's file name
     * @param file the received content
     * @throws UploadRejectedException (status 400, or 413 for a file over {@link #maxFileSize()})
     */
    public ValidatedUpload validate(UploadForm form, Path file) {
        // single-valued fields sent twice: readers would disagree on which one counts
        for (String f : SINGLE_VALUED_FIELDS) {
            if (form.getAll(f).size() > 1) {
                throw UploadRejectedException.badRequest("Invalid value for " + f + ". Error: the field was sent "
                        + form.getAll(f).size() + " times.");
            }
        }

        // protocol
        String action = form.get(":action").orElse("");
        if (!action.equals("file_upload")) {
            throw UploadRejectedException.badRequest(action.isEmpty()
                    ? "Missing :action (expected file_upload)."
                    : "Unknown :action '" + clip(action) + "' (only file_upload is supported).");
        }
        if (!form.get("protocol_version").orElse("1").equals("1")) {
            throw UploadRejectedException.badRequest("Unknown protocol version.");
        }

        // name and file type
        Optional<String> name = form.get("name");
        if (name.isEmpty()) {
            throw invalidField("", "Name", "This field is required.");
        }
        if (!ProjectName.isValid(name.get())) {
            throw invalidField(name.get(), "Name",
                    "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'.");
        }
        Optional<String> filetypeValue = form.get("filetype");
        if (filetypeValue.isEmpty()) {
            throw UploadRejectedException.badRequest("Invalid value for filetype. Error: This field is required.");
        }
        FileType filetype = FileType.fromFormValue(filetypeValue.get()).orElseThrow(() ->
                UploadRejectedException.badRequest("Invalid value for filetype. Error: Use a known file type."));
        Optional<String> pyversion = form.get("pyversion");
        if (filetype == FileType.BDIST_WHEEL && pyversion.isEmpty()) {
            throw UploadRejectedException.badRequest(
                    "Invalid value for pyversion. Error: Python version is required for binary distribution uploads.");
        }
        if (filetype == FileType.SDIST && pyversion.isPresent() && !pyversion.get().equals("source")) {
            throw UploadRejectedException.badRequest(
                    "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.");
        }

        // digests
        Optional<String> md5 = form.get("md5_digest");
        Optional<String> sha256 = form.get("sha256_digest");
        Optional<String> blake2 = form.get("blake2_256_digest");
        if (md5.isEmpty() && sha256.isEmpty() && blake2.isEmpty()) {
            throw UploadRejectedException.badRequest("Error: Include at least one message digest.");
        }
        if (sha256.isPresent() && !SHA256_HEX.matcher(sha256.get()).matches()) {
            throw UploadRejectedException.badRequest(
                    "Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.");
        }
        if (blake2.isPresent() && !SHA256_HEX.matcher(blake2.get()).matches()) {
            throw UploadRejectedException.badRequest(
                    "Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 message digest.");
        }
        if (md5.isPresent() && !MD5_HEX.matcher(md5.get()).matches()) {
            throw UploadRejectedException.badRequest(
                    "Invalid value for md5_digest. Error: Use a valid, hex-encoded, MD5 message digest.");
        }

        // metadata fields of the form
        List<String> rawVersion = form.getAll("version");
        Optional<String> version = form.get("version");
        if (version.isEmpty()) {
            throw invalidField("", "Version", "This field is required.");
        }
        if (!rawVersion.get(0).equals(rawVersion.get(0).strip())) {
            throw invalidField(rawVersion.get(0), "Version", "Cannot have leading or trailing whitespace.");
        }
        Version formVersion;
        try {
            formVersion = Version.parse(version.get());
        } catch (InvalidVersionException e) {
            throw invalidField(version.get(), "Version", "'" + clip(version.get()) + "' is not a valid version"
                    + " (PEP 440).");
        }
        Optional<String> formMetadataVersion = form.get("metadata_version");
        if (formMetadataVersion.isPresent()
                && !MetadataRules.SUPPORTED_METADATA_VERSIONS.contains(formMetadataVersion.get())) {
            throw invalidField(formMetadataVersion.get(), "Metadata-Version",
                    "'" + clip(formMetadataVersion.get()) + "' is not a valid metadata version.");
        }

        // the file
        String filename = form.filename();
        if (filename == null || filename.isEmpty()) {
            throw UploadRejectedException.badRequest("Upload payload does not have a file.");
        }
        checkFilename(filename, filetype);
        ValidatedUpload u = inspect(file, filename, filetype);

        Map<String, String> computed = Map.of("md5", u.md5(), "sha256", u.sha256(), "blake2_256", u.blake2b256());
        Map<String, Optional<String>> given = Map.of("md5", md5, "sha256", sha256, "blake2_256", blake2);
        for (String alg : List.of("sha256", "blake2_256", "md5")) {
            Optional<String> g = given.get(alg);
            if (g.isPresent() && !MessageDigest.isEqual(
                    g.get().toLowerCase(Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    computed.get(alg).getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                throw UploadRejectedException.badRequest(
                        "The digest supplied does not match a digest calculated from the uploaded file.");
            }
        }

        // the form against the file's metadata
        if (!ProjectName.normalize(name.get()).equals(u.normalizedName())) {
            throw UploadRejectedException.badRequest("The name in the upload form ('" + clip(name.get())
                    + "') does not match the distribution's metadata ('" + u.name() + "').");
        }
        if (!formVersion.equals(u.version())) {
            throw UploadRejectedException.badRequest("The version in the upload form ('" + clip(version.get())
                    + "') does not match the distribution's metadata ('" + u.canonicalVersion() + "').");
        }
        if (formMetadataVersion.isPresent() && !formMetadataVersion.get().equals(u.metadataVersion())) {
            throw UploadRejectedException.badRequest("The metadata_version in the upload form ('"
                    + clip(formMetadataVersion.get()) + "') does not match the distribution's metadata ('"
                    + u.metadataVersion() + "').");
        }
        Optional<String> formRequiresPython = form.get("requires_python");
        if (formRequiresPython.isPresent()
                && !squash(formRequiresPython.get()).equals(squash(u.requiresPython().orElse("")))) {
            throw UploadRejectedException.badRequest("The requires_python in the upload form ('"
                    + clip(formRequiresPython.get()) + "') does not match the distribution's metadata ('"
                    + u.requiresPython().orElse("") + "').");
        }
        return u;
    }

    // ---------------------------------------------------------------- file only

    /**
     * Validates a distribution file alone (every rule that needs no form), its type taken from the
     * file name's extension. This is what a client checks before uploading.
     *
     * @param filename the distribution's file name (the file may be stored under another name)
     * @throws UploadRejectedException on the first rule broken
     */
    public ValidatedUpload inspect(Path file, String filename) {
        if (filename == null || filename.isEmpty()) {
            throw UploadRejectedException.badRequest("Upload payload does not have a file.");
        }
        FileType type = filename.toLowerCase(Locale.ROOT).endsWith(".whl") ? FileType.BDIST_WHEEL : FileType.SDIST;
        checkFilename(filename, type);
        return inspect(file, filename, type);
    }

    private ValidatedUpload inspect(Path file, String filename, FileType type) {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw UploadRejectedException.badRequest("Upload payload does not have a file.");
        } catch (IOException e) {
            throw new UploadRejectedException(500, "Cannot read the uploaded file: " + e.getMessage(), e);
        }
        if (size == 0) {
            throw invalidFile(filename, "The file is empty");
        }
        if (size > maxFileSize) {
            throw UploadRejectedException.tooLarge(filename, maxFileSize);
        }
        String[] digests = digests(file);
        Inspected in = type == FileType.BDIST_WHEEL ? inspectWheel(file, filename, size) : inspectSdist(file, filename, size);
        CoreMetadata md = in.metadata;
        Optional<String> requiresPython = md.get("Requires-Python")
                .map(v -> v.replaceAll("\\s*\\n\\s*", " ").strip())
                .filter(v -> !v.isEmpty());
        return new ValidatedUpload(
                md.name(), md.normalizedName(), md.version(), md.version().toString(), filename, type,
                in.pythonVersion, digests[0], digests[1], digests[2], size, requiresPython, in.metadataBytes,
                Hashes.sha256(in.metadataBytes), md, md.metadataVersion().strip());
    }

    private record Inspected(CoreMetadata metadata, byte[] metadataBytes, String pythonVersion) {}

    // ---------------------------------------------------------------- wheels

    private Inspected inspectWheel(Path file, String filename, long size) {
        WheelFilename wf;
        try {
            wf = WheelFilename.parse(filename);
        } catch (PackyardException e) {
            throw UploadRejectedException.badRequest("Invalid wheel filename: " + filename + " ("
                    + e.getMessage().replaceFirst("^wheel .*?: invalid wheel file name: ", "") + ").");
        }
        String stem = filename.substring(0, filename.length() - 4);
        String[] parts = stem.split("-", -1);
        String nameFromFilename = parts[0];
        String versionFromFilename = parts[1];
        String pythonTag = parts[parts.length - 3];
        String normalizedFromFilename = ProjectName.wheelEscape(nameFromFilename);
        if (!nameFromFilename.equals(normalizedFromFilename)) {
            throw UploadRejectedException.badRequest("Filename '" + filename
                    + "' should contain the normalized project name '" + normalizedFromFilename + "', not '"
                    + nameFromFilename + "'.");
        }
        Version fileVersion = wf.parsedVersion();
        if (!versionFromFilename.equals(fileVersion.toString())) {
            throw UploadRejectedException.badRequest("Version in filename should be '" + fileVersion + "' not '"
                    + versionFromFilename + "'.");
        }
        if (restrictPlatformTags) {
            for (Tag t : wf.tags()) {
                if (!PlatformTags.allowedOnPublicIndex(t.platform())) {
                    throw UploadRejectedException.badRequest("Binary wheel '" + filename
                            + "' has an unsupported platform tag '" + t.platform() + "'.");
                }
            }
        }

        InflationBudget budget = budget(filename, size);
        String distInfo = nameFromFilename + "-" + versionFromFilename + ".dist-info";
        try (StrictZip zip = openZip(file, filename)) {
            long declared = 0;
            Set<String> files = new TreeSet<>();
            for (StrictZip.Entry e : zip.entries()) {
                Optional<String> problem = ArchivePaths.problem(e.name());
                if (problem.isPresent()) {
                    throw invalidFile(filename, "unsafe member path " + ArchivePaths.printable(e.name()) + ": "
                            + problem.get());
                }
                declared += e.size();
                if (!e.isDirectory()) {
                    files.add(e.name());
                }
            }
            budget.checkDeclared(declared);

            byte[] wheelBytes = readSmall(zip, budget, filename, distInfo + "/WHEEL", true);
            byte[] metadataBytes = readSmall(zip, budget, filename, distInfo + "/METADATA", true);
            readSmall(zip, budget, filename, distInfo + "/RECORD", true);
            readSmall(zip, budget, filename, distInfo + "/entry_points.txt", false);

            // METADATA: the rules, then name and version against the file name
            String source = distInfo + "/METADATA";
            CoreMetadata md = MetadataRules.parse(metadataBytes, source, allowLocalVersions,
                    m -> UploadRejectedException.badRequest(m));
            String canonical = ProjectName.wheelEscape(md.name());
            if (!canonical.equals(nameFromFilename)) {
                throw UploadRejectedException.badRequest("Start filename for '" + md.name() + "' with '"
                        + canonical + "'.");
            }
            if (!md.version().equals(fileVersion)) {
                throw UploadRejectedException.badRequest("Version in filename should be '" + md.version()
                        + "' not '" + versionFromFilename + "'.");
            }
            checkWheelVersion(wheelBytes, filename, distInfo);

            // Structure, RECORD syntax and coverage: the wheel reader Packyard installs with.
            List<String> warnings = new ArrayList<>();
            Progress collect = Progress.warningsTo(warnings::add);
            try (WheelArchive archive = WheelArchive.open(file, filename, collect)) {
                if (!archive.distInfoDir().equals(distInfo)) {
                    throw invalidFile(filename, "the .dist-info directory must be " + distInfo + ", not "
                            + archive.distInfoDir());
                }
                Set<String> recorded = new TreeSet<>();
                for (RecordFile.Entry r : archive.record()) {
                    String p = r.path().replace('\\', '/');
                    if (!p.endsWith("/")) {
                        recorded.add(p);
                    }
                }
                recorded.removeAll(files);
                if (!recorded.isEmpty()) {
                    throw invalidFile(filename, "RECORD lists " + recorded.size()
                            + " file(s) missing from the wheel, for example " + recorded.iterator().next());
                }
                for (EntryPoint ep : archive.entryPoints()) {
                    if (!ENTRY_POINT_NAME.matcher(ep.name()).matches()) {
                        throw UploadRejectedException.badRequest("Wheel '" + filename
                                + "' has invalid entry points defined in the entry_points.txt file: invalid entry point"
                                + " name '" + ep.name() + "' in '" + ep.group() + "'.");
                    }
                }
                for (String lf : MetadataRules.licenseFiles(md)) {
                    String path = distInfo + "/licenses/" + lf;
                    if (!files.contains(path)) {
                        throw UploadRejectedException.badRequest("License-File " + lf
                                + " does not exist in distribution file " + filename + " at " + path);
                    }
                }

                // Every member, inflated with hard bounds, checked against RECORD.
                Map<String, WheelArchive.Member> members = new HashMap<>();
                for (WheelArchive.Member m : archive.members()) {
                    members.put(m.name(), m);
                }
                byte[] buf = new byte[64 * 1024];
                for (StrictZip.Entry e : zip.entries()) {
                    if (e.isDirectory()) {
                        continue;
                    }
                    WheelArchive.Member m = members.get(e.name());
                    Optional<RecordFile.Entry> row = m == null ? Optional.empty() : m.record();
                    MessageDigest digest = row.flatMap(RecordFile.Entry::algorithm)
                            .filter(Hashes::isSupported).map(Hashes::digest).orElse(null);
                    long count = 0;
                    try (InputStream in = zip.open(e, budget)) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            if (digest != null) {
                                digest.update(buf, 0, n);
                            }
                            count += n;
                        }
                    } catch (StrictZip.MemberException ex) {
                        throw invalidFile(filename, ex.getMessage());
                    }
                    if (row.isPresent() && row.get().size().isPresent() && row.get().size().getAsLong() != count) {
                        throw invalidFile(filename, "RECORD: size mismatch for " + e.name() + " (" + count
                                + " bytes, RECORD says " + row.get().size().getAsLong() + ")");
                    }
                    if (digest != null) {
                        String expected = row.get().digest().orElse("").replaceAll("=+$", "");
                        if (!RecordFile.encodeDigest(digest.digest()).equals(expected)) {
                            throw invalidFile(filename, "RECORD: hash mismatch for " + e.name());
                        }
                    }
                }
            } catch (UploadRejectedException ex) {
                throw ex;
            } catch (PackyardException ex) {
                throw invalidFile(filename, ex.getMessage().replaceFirst("^wheel \\Q" + filename + "\\E: ", ""));
            }
            return new Inspected(md, metadataBytes, pythonTag);
        } catch (IOException e) {
            throw invalidFile(filename, "cannot read the archive: " + e.getMessage());
        }
    }

    private StrictZip openZip(Path file, String filename) throws IOException {
        try {
            return StrictZip.open(file, maxMembers);
        } catch (StrictZip.ZipRejected e) {
            if (e.getMessage().equals("File is not a zipfile")) {
                throw invalidFile(filename, e.getMessage());
            }
            throw invalidFile(filename, "ZIP archive not accepted: " + e.getMessage() + ". " + ARCHIVES_HELP);
        }
    }

    private byte[] readSmall(StrictZip zip, InflationBudget budget, String filename, String member, boolean required)
            throws IOException {
        StrictZip.Entry e = zip.entry(member);
        if (e == null) {
            if (!required) {
                return null;
            }
            String what = member.substring(member.lastIndexOf('/') + 1);
            throw UploadRejectedException.badRequest("Wheel '" + filename + "' does not contain the required "
                    + what + " file: " + member);
        }
        if (e.size() > MAX_METADATA_FILE) {
            throw invalidFile(filename, member + " is larger than " + humanSize(MAX_METADATA_FILE));
        }
        try (InputStream in = zip.open(e, budget)) {
            return in.readAllBytes();
        } catch (StrictZip.MemberException ex) {
            throw invalidFile(filename, ex.getMessage());
        }
    }

    private static void checkWheelVersion(byte[] wheel, String filename, String distInfo) {
        String text = new String(wheel, java.nio.charset.StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?im)^Wheel-Version:[ \\t]*(\\S*)[ \\t]*$").matcher(text);
        if (!m.find()) {
            throw invalidFile(filename, distInfo + "/WHEEL: no Wheel-Version");
        }
        String v = m.group(1);
        if (!v.matches("\\d+(\\.\\d+)?")) {
            throw invalidFile(filename, distInfo + "/WHEEL: invalid Wheel-Version " + v);
        }
        if (!v.split("\\.")[0].equals("1")) {
            throw invalidFile(filename, distInfo + "/WHEEL: Wheel-Version " + v
                    + " is not supported (only 1.x wheels are accepted)");
        }
    }

    // ---------------------------------------------------------------- sdists

    private Inspected inspectSdist(Path file, String filename, long size) {
        if (!filename.endsWith(".tar.gz")) {
            throw UploadRejectedException.badRequest("Invalid source distribution filename: " + filename
                    + " (source distributions must be .tar.gz files, PEP 625).");
        }
        try {
            if (StrictZip.looksLikeZip(file)) {
                throw invalidFile(filename, "File is both a zip and a tar file");
            }
        } catch (IOException e) {
            throw invalidFile(filename, "cannot read the archive: " + e.getMessage());
        }
        InflationBudget budget = budget(filename, size);
        SdistTar tar;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
                GzipStream gz = new GzipStream(raw, budget)) {
            tar = SdistTar.read(gz, budget, maxMembers, n -> n.indexOf('/') > 0 && n.indexOf('/') == n.lastIndexOf('/')
                    && n.endsWith("/PKG-INFO"));
        } catch (GzipStream.GzipException e) {
            throw invalidFile(filename, e.getMessage().equals("File is not a gzip file")
                    ? "File is not a tarfile (not gzip-compressed)" : e.getMessage());
        } catch (StrictZip.MemberException e) {
            throw invalidFile(filename, e.getMessage());
        } catch (SdistTar.TarRejected e) {
            throw invalidFile(filename, "tar archive not accepted: " + e.getMessage() + ". " + ARCHIVES_HELP);
        } catch (IOException e) {
            throw invalidFile(filename, "cannot read the archive: " + e.getMessage());
        }

        // one top-level directory holding everything
        Set<String> tops = new LinkedHashSet<>();
        for (SdistTar.Member m : tar.members()) {
            int slash = m.name().indexOf('/');
            tops.add(slash < 0 ? m.name() : m.name().substring(0, slash));
        }
        if (tops.size() != 1) {
            throw invalidFile(filename, "Incorrect number of top-level directories in sdist");
        }
        String top = tops.iterator().next();
        for (SdistTar.Member m : tar.members()) {
            if (m.name().equals(top) && m.type() != SdistTar.Type.DIRECTORY) {
                throw invalidFile(filename, "Incorrect number of top-level directories in sdist");
            }
        }
        String pkgInfoPath = top + "/PKG-INFO";
        byte[] pkgInfo = tar.captured().get(pkgInfoPath);
        if (pkgInfo == null) {
            throw invalidFile(filename, "PKG-INFO not found at " + pkgInfoPath);
        }
        CoreMetadata md = MetadataRules.parse(pkgInfo, pkgInfoPath, allowLocalVersions,
                m -> UploadRejectedException.badRequest(m));

        // PEP 625: {normalized name}-{canonical version}.tar.gz
        String expected = ProjectName.wheelEscape(md.name()) + "-" + md.version() + ".tar.gz";
        if (!filename.equals(expected)) {
            String stem = filename.substring(0, filename.length() - ".tar.gz".length());
            int dash = stem.lastIndexOf('-');
            String namePart = dash < 0 ? stem : stem.substring(0, dash);
            if (!ProjectName.normalize(namePart).equals(md.normalizedName())
                    && !(dash > 0 && ProjectName.normalize(stem.substring(0, Math.max(0, stem.lastIndexOf('-', dash - 1))))
                            .equals(md.normalizedName()))) {
                throw UploadRejectedException.badRequest("Start filename for '" + md.name() + "' with '"
                        + ProjectName.wheelEscape(md.name()) + "'.");
            }
            throw UploadRejectedException.badRequest("Filename '" + filename + "' is invalid, should be '"
                    + expected + "'.");
        }
        int dash = top.lastIndexOf('-');
        boolean topMatches = dash > 0
                && ProjectName.normalize(top.substring(0, dash)).equals(md.normalizedName())
                && Version.tryParse(top.substring(dash + 1)).map(v -> v.equals(md.version())).orElse(false);
        if (!topMatches) {
            throw invalidFile(filename, "top-level directory '" + top + "' does not match the distribution's name"
                    + " and version (expected '" + expected.substring(0, expected.length() - 7) + "')");
        }
        Set<String> names = new HashSet<>();
        for (SdistTar.Member m : tar.members()) {
            names.add(m.name());
        }
        for (String lf : MetadataRules.licenseFiles(md)) {
            if (!names.contains(top + "/" + lf)) {
                throw UploadRejectedException.badRequest("License-File " + lf + " does not exist in distribution file "
                        + filename + " at " + top + "/" + lf);
            }
        }
        return new Inspected(md, pkgInfo, "source");
    }

    // ---------------------------------------------------------------- helpers

    private InflationBudget budget(String filename, long size) {
        return new InflationBudget(maxUncompressedSize, maxCompressionRatio, compressionRatioMinSize, size,
                m -> invalidFile(filename, m));
    }

    private static void checkFilename(String filename, FileType filetype) {
        for (int i = 0; i < filename.length(); i++) {
            char c = filename.charAt(i);
            if (c < 32 || c == 127) {
                throw UploadRejectedException.badRequest("Cannot upload a file with non-printable characters "
                        + "(ordinals 0-31) or the DEL character (ordinal 127) in the name.");
            }
        }
        if (filename.indexOf('/') >= 0 || filename.indexOf('\\') >= 0) {
            throw UploadRejectedException.badRequest("Cannot upload a file with '/' or '\\' in the name.");
        }
        Matcher m = DIST_FILE.matcher(filename);
        if (!m.matches()) {
            throw UploadRejectedException.badRequest("Invalid file extension: Use .tar.gz or .whl extension. "
                    + "See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0625/ "
                    + "for more information.");
        }
        String ext = m.group(1);
        boolean ok = switch (filetype) {
            case BDIST_WHEEL -> ext.equals(".whl");
            case SDIST -> ext.equals(".tar.gz") || ext.equals(".zip");
        };
        if (!ok) {
            throw UploadRejectedException.badRequest("Invalid file extension: Extension " + ext
                    + " is invalid for filetype " + filetype.formValue()
                    + ". See https://www.python.org/dev/peps/pep-0527 for more information.");
        }
    }

    /** {sha256, blake2b-256, md5} of the file, lower-case hex. */
    private static String[] digests(Path file) {
        MessageDigest sha256 = Hashes.digest("sha256");
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Blake2b blake = Blake2b.blake2b256();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha256.update(buf, 0, n);
                md5.update(buf, 0, n);
                blake.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UploadRejectedException(500, "Cannot read the uploaded file: " + e.getMessage(), e);
        }
        HexFormat hex = HexFormat.of();
        return new String[] {hex.formatHex(sha256.digest()), hex.formatHex(blake.digest()), hex.formatHex(md5.digest())};
    }

    private static UploadRejectedException invalidFile(String filename, String message) {
        return UploadRejectedException.badRequest("Invalid distribution file. " + filename + ": " + message
                + (message.endsWith(".") || message.endsWith("information") ? "" : "."));
    }

    private static UploadRejectedException invalidField(String value, String field, String error) {
        String v = value.length() > 60 ? value.substring(0, 30) + "..." + value.substring(value.length() - 30) : value;
        return UploadRejectedException.badRequest("'" + v + "' is an invalid value for " + field + ". Error: " + error
                + " " + MetadataRules.SEE);
    }

    private static String clip(String s) {
        String one = UploadRejectedException.oneLine(s);
        return one.length() > 100 ? one.substring(0, 100) + "..." : one;
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", "");
    }

    static String humanSize(long bytes) {
        if (bytes > 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes > 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }

    static String formatRatio(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : Double.toString(r);
    }

    /** Limits and policies; every one has a default. */
    public static final class Builder {
        private long maxFileSize = DEFAULT_MAX_FILE_SIZE;
        private long maxUncompressedSize = DEFAULT_MAX_UNCOMPRESSED_SIZE;
        private double maxCompressionRatio = DEFAULT_MAX_COMPRESSION_RATIO;
        private long compressionRatioMinSize = DEFAULT_COMPRESSION_RATIO_MIN_SIZE;
        private int maxMembers = DEFAULT_MAX_MEMBERS;
        private boolean allowLocalVersions = true;
        private boolean restrictPlatformTags;

        private Builder() {}

        /** Largest accepted file, in bytes (default 100 MiB); larger is a 413. */
        public Builder maxFileSize(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxFileSize must be positive");
            }
            this.maxFileSize = bytes;
            return this;
        }

        /** Largest total of inflated bytes, declared or actual (default 4 GiB). */
        public Builder maxUncompressedSize(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxUncompressedSize must be positive");
            }
            this.maxUncompressedSize = bytes;
            return this;
        }

        /** Largest ratio of inflated bytes to file size (default 50, as PyPI). */
        public Builder maxCompressionRatio(double ratio) {
            if (!(ratio >= 1)) {
                throw new IllegalArgumentException("maxCompressionRatio must be at least 1");
            }
            this.maxCompressionRatio = ratio;
            return this;
        }

        /** Inflated size below which the ratio is not checked (default 64 MiB, as PyPI). */
        public Builder compressionRatioMinSize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("compressionRatioMinSize must not be negative");
            }
            this.compressionRatioMinSize = bytes;
            return this;
        }

        /** Most archive members (default 100000). */
        public Builder maxMembers(int members) {
            if (members <= 0) {
                throw new IllegalArgumentException("maxMembers must be positive");
            }
            this.maxMembers = members;
            return this;
        }

        /**
         * Whether versions with a local label ({@code 1.0+cu121}) are accepted (default true: PEP 440
         * reserves them for private builds, which is what a private index holds; PyPI refuses them).
         */
        public Builder allowLocalVersions(boolean allow) {
            this.allowLocalVersions = allow;
            return this;
        }

        /**
         * Whether wheels must carry a platform tag PyPI accepts (default false: a private index
         * also takes {@code linux_x86_64} and other non-portable wheels).
         */
        public Builder restrictPlatformTags(boolean restrict) {
            this.restrictPlatformTags = restrict;
            return this;
        }

        /** PyPI's policies for a public index: no local versions, only PyPI's platform tags. */
        public Builder publicIndexPolicy() {
            return allowLocalVersions(false).restrictPlatformTags(true);
        }

        public UploadValidator build() {
            return new UploadValidator(this);
        }
    }
}
