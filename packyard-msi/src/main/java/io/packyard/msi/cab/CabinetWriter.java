package io.packyard.msi.cab;

import io.packyard.python.PackyardException;
import io.packyard.python.util.FileTrees;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.Deflater;

/**
 * Writes one Microsoft Cabinet file ([MS-CAB]) in pure Java, for the cabinet an MSI embeds.
 *
 * <pre>{@code
 * CabinetWriter cab = CabinetWriter.builder().compression(Compression.MSZIP).level(6).progress(progress).build();
 * cab.add("f1a2b3", Path.of("staging/python/python.exe"), sourceDateEpoch, CabAttributes.ARCHIVE);
 * cab.add("f4c5d6", "hello".getBytes(UTF_8), sourceDateEpoch, CabAttributes.ARCHIVE);
 * CabinetResult result = cab.write(Path.of("build/product.cab"));
 * }</pre>
 *
 * <p>Files keep the order they were added in; the n-th file gets sequence number
 * {@code firstSequence + n - 1}. Their data is concatenated into folders of at most 65535 CFDATA
 * blocks of 32 KiB each; a file that would overflow the current folder starts a new one (a file
 * never spans folders). Each block is compressed on its own by a pool of threads: an MSZIP block
 * depends only on its own data and on the previous block's uncompressed data (its preset
 * dictionary), both known before compression starts, so blocks compress in parallel and are
 * written in order. The output is byte-identical for any thread count, and the same inputs give
 * the same bytes (fixed DOS dates, no random set ID).
 *
 * <p>Contents are streamed: at most a bounded window of blocks (a few per thread) is in memory.
 * Limits are checked and reported as {@link PackyardException#build build errors}: 65535 files,
 * 2147450880 bytes (65535 x 32 KiB) per file, 2147483647 bytes per cabinet. Packyard writes
 * single cabinets; a caller that needs more splits its files over several writers and uses
 * {@link Builder#firstSequence} so sequence numbers continue from one cabinet to the next.
 *
 * <p>A writer is not thread-safe; {@code add} then {@code write} from one thread. {@code write}
 * may be called more than once (sources are read again each time).
 */
public final class CabinetWriter {

    /** Uncompressed bytes per CFDATA block. */
    public static final int BLOCK_SIZE = BlockEncoder.BLOCK_SIZE;
    /** CFFOLDER.cCFData is 16-bit: a folder holds at most this many blocks. */
    public static final int MAX_BLOCKS_PER_FOLDER = 0xFFFF;
    /** A file lies in one folder, so it is at most 65535 blocks of 32 KiB (libmspack's CAB_LENGTHMAX). */
    public static final long MAX_FILE_SIZE = (long) BLOCK_SIZE * MAX_BLOCKS_PER_FOLDER;
    /** CB_MAX_DISK: the largest cabinet Microsoft's FCI/FDI support, 2 GiB - 1. */
    public static final long MAX_CABINET_SIZE = 0x7FFF_FFFFL;
    /** CFHEADER.cFiles is 16-bit. */
    public static final int MAX_FILES = 0xFFFF;
    /** CFFILE.iFolder values 0xFFFD-0xFFFF mean "continued", so folder indexes stop at 0xFFFC. */
    public static final int MAX_FOLDERS = 0xFFFD;
    /** Names are at most 255 bytes (256 with the terminating NUL). */
    public static final int MAX_NAME_BYTES = 255;

    private static final int CFHEADER_SIZE = 36;
    private static final int CFFOLDER_SIZE = 8;
    private static final int CFFILE_SIZE = 16;
    private static final int CFDATA_HEADER_SIZE = 8;
    private static final long PROGRESS_STEP = 1L << 20;

    private final Compression compression;
    private final int level;
    private final int threads;
    private final Progress progress;
    private final int setId;
    private final int firstSequence;
    private final String label;
    private final Path tempDirectory;
    private final int maxBlocksPerFolder;
    private final long maxCabinetSize;

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private CabinetWriter(Builder b) {
        this.compression = b.compression;
        this.level = b.level;
        this.threads = b.threads > 0 ? b.threads : Math.max(1, Runtime.getRuntime().availableProcessors());
        this.progress = b.progress;
        this.setId = b.setId;
        this.firstSequence = b.firstSequence;
        this.label = b.label;
        this.tempDirectory = b.tempDirectory;
        this.maxBlocksPerFolder = b.maxBlocksPerFolder;
        this.maxCabinetSize = b.maxCabinetSize;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a {@link CabinetWriter}; every setting has a default. */
    public static final class Builder {
        private Compression compression = Compression.MSZIP;
        private int level = 6;
        private int threads = 0;
        private Progress progress = Progress.NONE;
        private int setId = 0;
        private int firstSequence = 1;
        private String label = null;
        private Path tempDirectory = null;
        private int maxBlocksPerFolder = MAX_BLOCKS_PER_FOLDER;
        private long maxCabinetSize = MAX_CABINET_SIZE;

        private Builder() {}

        /** MSZIP (default) or NONE. */
        public Builder compression(Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        /** Deflate level 0-9 for MSZIP (default 6, zlib's default); ignored for NONE. */
        public Builder level(int level) {
            if (level < 0 || level > 9) {
                throw new IllegalArgumentException("deflate level must be 0-9, not " + level);
            }
            this.level = level;
            return this;
        }

        /** Compression threads; 0 (default) means one per available processor. Never changes the output. */
        public Builder threads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must be >= 0, not " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Receives {@code advance(bytesDone, bytesTotal)} in uncompressed bytes while writing: once
         * at 0, about every MiB, and at the total. The writer does not call {@code step}; the
         * caller names the phase.
         */
        public Builder progress(Progress progress) {
            this.progress = Objects.requireNonNull(progress, "progress");
            return this;
        }

        /** CFHEADER.setID (default 0; only meaningful for cabinet sets, kept fixed for reproducibility). */
        public Builder setId(int setId) {
            if ((setId & ~0xFFFF) != 0) {
                throw new IllegalArgumentException("setID is a 16-bit value: " + setId);
            }
            this.setId = setId;
            return this;
        }

        /**
         * The sequence number of the first file (default 1). A second cabinet of the same MSI starts
         * at the previous cabinet's {@link CabinetResult#lastSequence()} + 1.
         */
        public Builder firstSequence(int firstSequence) {
            if (firstSequence < 1) {
                throw new IllegalArgumentException("first sequence must be >= 1, not " + firstSequence);
            }
            this.firstSequence = firstSequence;
            return this;
        }

        /** How error messages name this cabinet, e.g. {@code notes-1.0.msi: #product.cab}. */
        public Builder label(String label) {
            this.label = Objects.requireNonNull(label, "label");
            return this;
        }

        /** Where {@link #write(OutputStream)} spools the cabinet (default: java.io.tmpdir). */
        public Builder tempDirectory(Path tempDirectory) {
            this.tempDirectory = Objects.requireNonNull(tempDirectory, "tempDirectory");
            return this;
        }

        /** Lowers the per-folder block limit (tests exercise folder rollover without 2 GiB of data). */
        Builder maxBlocksPerFolder(int maxBlocksPerFolder) {
            if (maxBlocksPerFolder < 1 || maxBlocksPerFolder > MAX_BLOCKS_PER_FOLDER) {
                throw new IllegalArgumentException("blocks per folder must be 1-65535: " + maxBlocksPerFolder);
            }
            this.maxBlocksPerFolder = maxBlocksPerFolder;
            return this;
        }

        /** Lowers the cabinet size limit (tests exercise the limit without 2 GiB of data). */
        Builder maxCabinetSize(long maxCabinetSize) {
            if (maxCabinetSize < CFHEADER_SIZE || maxCabinetSize > MAX_CABINET_SIZE) {
                throw new IllegalArgumentException("cabinet size limit out of range: " + maxCabinetSize);
            }
            this.maxCabinetSize = maxCabinetSize;
            return this;
        }

        public CabinetWriter build() {
            return new CabinetWriter(this);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // adding files

    private sealed interface Source permits FileSource, BytesSource {}

    private record FileSource(Path path) implements Source {}

    private record BytesSource(byte[] bytes) implements Source {}

    private record Entry(String name, byte[] nameBytes, boolean utf8, Source source, long size,
                         DosDateTime dateTime, int attributes) {

        String describe() {
            return source instanceof FileSource f ? name + " (" + f.path() + ")" : name;
        }
    }

    /**
     * Adds a file whose content is read from {@code source} when the cabinet is written. Its size
     * is taken now; if the file has another size when it is read, {@code write} fails.
     *
     * @param name        the name in the cabinet: for an MSI the File table key; {@code \} separates
     *                    directories; non-ASCII names are stored as UTF-8 with _A_NAME_IS_UTF
     * @param epochSecond the modification time (SOURCE_DATE_EPOCH), stored as a UTC DOS date/time
     * @param attributes  {@link CabAttributes} bits (not NAME_IS_UTF, which the writer decides)
     */
    public CabinetWriter add(String name, Path source, long epochSecond, int attributes) throws IOException {
        return add(name, source, DosDateTime.fromEpochSecond(epochSecond), attributes);
    }

    /** {@link #add(String, Path, long, int)} with an explicit DOS date and time. */
    public CabinetWriter add(String name, Path source, DosDateTime dateTime, int attributes) throws IOException {
        Objects.requireNonNull(source, "source");
        if (!Files.isRegularFile(source)) {
            throw PackyardException.build(where() + "file " + name + ": " + source + " is not a regular file");
        }
        long size = Files.size(source);
        addEntry(name, new FileSource(source), size, dateTime, attributes);
        return this;
    }

    /** Adds a file with the given content (the array is copied). See {@link #add(String, Path, long, int)}. */
    public CabinetWriter add(String name, byte[] content, long epochSecond, int attributes) {
        return add(name, content, DosDateTime.fromEpochSecond(epochSecond), attributes);
    }

    /** {@link #add(String, byte[], long, int)} with an explicit DOS date and time. */
    public CabinetWriter add(String name, byte[] content, DosDateTime dateTime, int attributes) {
        Objects.requireNonNull(content, "content");
        addEntry(name, new BytesSource(content.clone()), content.length, dateTime, attributes);
        return this;
    }

    /** How many files have been added. */
    public int fileCount() {
        return entries.size();
    }

    private void addEntry(String name, Source source, long size, DosDateTime dateTime, int attributes) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dateTime, "dateTime");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("a cabinet file name must not be empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a cabinet file name must not contain NUL: " + name.replace('\0', '?'));
        }
        if ((attributes & ~CabAttributes.CALLER_BITS) != 0) {
            throw new IllegalArgumentException("file " + name + ": attributes 0x" + Integer.toHexString(attributes)
                    + " has bits other than READ_ONLY, HIDDEN, SYSTEM, ARCHIVE, EXECUTE");
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("file " + name + " is already in the cabinet");
        }
        if (entries.size() >= MAX_FILES) {
            throw PackyardException.build(where() + "more than " + MAX_FILES
                    + " files; one cabinet holds at most " + MAX_FILES + " files (CFHEADER.cFiles is 16-bit),"
                    + " split the files over several cabinets");
        }
        long folderCapacity = (long) maxBlocksPerFolder * BLOCK_SIZE;
        if (size > folderCapacity) {
            throw PackyardException.build(where() + "file " + name
                    + (source instanceof FileSource f ? " (" + f.path() + ")" : "") + " is " + size
                    + " bytes; a cabinet file is at most " + folderCapacity + " bytes ("
                    + maxBlocksPerFolder + " blocks of 32 KiB in one folder)");
        }
        boolean ascii = name.chars().allMatch(c -> c < 0x80);
        byte[] encoded;
        if (ascii) {
            encoded = name.getBytes(StandardCharsets.US_ASCII);
        } else {
            try {
                ByteBuffer bb = StandardCharsets.UTF_8.newEncoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .encode(CharBuffer.wrap(name));
                encoded = new byte[bb.remaining()];
                bb.get(encoded);
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException("file name is not valid Unicode (unpaired surrogate): " + name, e);
            }
        }
        if (encoded.length > MAX_NAME_BYTES) {
            throw PackyardException.build(where() + "file name " + name + " is " + encoded.length
                    + " bytes" + (ascii ? "" : " in UTF-8") + "; cabinet file names are at most "
                    + MAX_NAME_BYTES + " bytes");
        }
        entries.add(new Entry(name, encoded, !ascii, source, size, dateTime, attributes));
        names.add(name);
    }

    private String where() {
        return (label != null ? label : "cabinet") + ": ";
    }

    // ---------------------------------------------------------------------------------------------
    // writing

    /**
     * Writes the cabinet to {@code target}: to a temporary sibling, fsynced, then renamed over
     * {@code target}. Nothing is left behind on failure.
     */
    public CabinetResult write(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        String messageLabel = label != null ? label : absolute.getFileName().toString();
        boolean done = false;
        try {
            CabinetResult result;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                result = write(ch, messageLabel);
                ch.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            FileTrees.fsyncDirectory(dir);
            done = true;
            return result;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Writes the cabinet to {@code out} (not closed). The header comes first but depends on the
     * compressed sizes, so the cabinet is spooled to a temporary file first and then copied.
     */
    public CabinetResult write(OutputStream out) throws IOException {
        Path dir = tempDirectory != null ? tempDirectory : Path.of(System.getProperty("java.io.tmpdir"));
        Path tmp = Files.createTempFile(dir, "packyard-cab-", ".tmp");
        try {
            CabinetResult result;
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                result = write(ch, label != null ? label : "cabinet");
                ch.position(0);
                copy(ch, out, result.cabinetSize());
            }
            return result;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes the cabinet into {@code channel} starting at its current position, leaving the
     * position after the cabinet's last byte. The channel must allow seeking back (the header is
     * written last).
     */
    public CabinetResult write(SeekableByteChannel channel) throws IOException {
        return write(channel, label != null ? label : "cabinet");
    }

    private static void copy(FileChannel from, OutputStream out, long size) throws IOException {
        long pos = 0;
        var sink = Channels.newChannel(out);
        while (pos < size) {
            long n = from.transferTo(pos, size - pos, sink);
            if (n <= 0) {
                throw new IOException("short copy of cabinet: " + pos + " of " + size + " bytes");
            }
            pos += n;
        }
    }

    /** One CFFOLDER being planned: which entries, how many bytes and blocks. */
    private static final class FolderPlan {
        final List<Integer> entries = new ArrayList<>();
        long bytes;
        long dataOffset;
        int blocksWritten;

        int blocks() {
            return (int) ((bytes + BLOCK_SIZE - 1) / BLOCK_SIZE);
        }
    }

    private CabinetResult write(SeekableByteChannel channel, String messageLabel) throws IOException {
        String where = messageLabel + ": ";
        if (entries.isEmpty()) {
            throw PackyardException.build(where + "a cabinet needs at least one file (cabinet readers refuse empty cabinets)");
        }
        // plan folders: a file goes into the current folder unless it would overflow it
        long capacity = (long) maxBlocksPerFolder * BLOCK_SIZE;
        List<FolderPlan> folders = new ArrayList<>();
        FolderPlan current = null;
        long[] offsets = new long[entries.size()];
        int[] folderOf = new int[entries.size()];
        long totalBytes = 0;
        long totalBlocks = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.size() > capacity) {
                throw PackyardException.build(where + "file " + e.describe() + " is " + e.size()
                        + " bytes; a cabinet file is at most " + capacity + " bytes ("
                        + maxBlocksPerFolder + " blocks of 32 KiB in one folder)");
            }
            if (current == null || current.bytes + e.size() > capacity) {
                current = new FolderPlan();
                folders.add(current);
            }
            offsets[i] = current.bytes;
            folderOf[i] = folders.size() - 1;
            current.entries.add(i);
            current.bytes += e.size();
            totalBytes += e.size();
        }
        if (folders.size() > MAX_FOLDERS) {
            throw PackyardException.build(where + folders.size() + " folders; a cabinet holds at most "
                    + MAX_FOLDERS + " folders, split the files over several cabinets");
        }
        for (FolderPlan f : folders) {
            totalBlocks += f.blocks();
        }
        long headerSize = CFHEADER_SIZE + (long) CFFOLDER_SIZE * folders.size();
        long filesOffset = headerSize;
        for (Entry e : entries) {
            headerSize += CFFILE_SIZE + e.nameBytes().length + 1;
        }
        if (compression == Compression.NONE) {
            long exact = headerSize + totalBlocks * CFDATA_HEADER_SIZE + totalBytes;
            if (exact > maxCabinetSize) {
                throw tooBig(where, exact);
            }
        } else if (headerSize > maxCabinetSize) {
            throw tooBig(where, headerSize);
        }

        long start = channel.position();
        BlockSink sink = new BlockSink(channel, start, headerSize, totalBytes, where);
        progress.advance(0, totalBytes);
        try (Pipeline pipeline = new Pipeline(sink)) {
            for (int f = 0; f < folders.size(); f++) {
                FolderPlan folder = folders.get(f);
                sink.startFolder(folder);
                byte[] previous = null;
                byte[] block = new byte[BLOCK_SIZE];
                int fill = 0;
                for (int index : folder.entries) {
                    Entry e = entries.get(index);
                    switch (e.source()) {
                        case BytesSource b -> {
                            int pos = 0;
                            while (pos < b.bytes().length) {
                                int n = Math.min(BLOCK_SIZE - fill, b.bytes().length - pos);
                                System.arraycopy(b.bytes(), pos, block, fill, n);
                                pos += n;
                                fill += n;
                                if (fill == BLOCK_SIZE) {
                                    pipeline.submit(block, fill, previous);
                                    previous = block;
                                    block = new byte[BLOCK_SIZE];
                                    fill = 0;
                                }
                            }
                        }
                        case FileSource s -> {
                            try (FileChannel in = FileChannel.open(s.path(), StandardOpenOption.READ)) {
                                long remaining = e.size();
                                while (remaining > 0) {
                                    int want = (int) Math.min(BLOCK_SIZE - fill, remaining);
                                    int n = in.read(ByteBuffer.wrap(block, fill, want));
                                    if (n < 0) {
                                        throw changed(where, e, e.size() - remaining);
                                    }
                                    remaining -= n;
                                    fill += n;
                                    if (fill == BLOCK_SIZE) {
                                        pipeline.submit(block, fill, previous);
                                        previous = block;
                                        block = new byte[BLOCK_SIZE];
                                        fill = 0;
                                    }
                                }
                                long now = in.size();
                                if (now != e.size()) {
                                    throw changed(where, e, now);
                                }
                            }
                        }
                    }
                }
                if (fill > 0) {
                    pipeline.submit(block, fill, previous);
                }
                pipeline.drain();
                if (folder.blocksWritten != folder.blocks()) {
                    throw new IllegalStateException("folder " + f + ": wrote " + folder.blocksWritten
                            + " blocks, planned " + folder.blocks());
                }
            }
        }
        long end = sink.finish();
        long cabinetSize = end - start;

        // the header, folders and files, now that the folders' data offsets are known
        ByteBuffer header = ByteBuffer.allocate((int) headerSize).order(ByteOrder.LITTLE_ENDIAN);
        header.put(new byte[] {'M', 'S', 'C', 'F'});
        header.putInt(0); // reserved1
        header.putInt((int) cabinetSize); // cbCabinet
        header.putInt(0); // reserved2
        header.putInt((int) filesOffset); // coffFiles
        header.putInt(0); // reserved3
        header.put((byte) 3); // versionMinor
        header.put((byte) 1); // versionMajor
        header.putShort((short) folders.size()); // cFolders
        header.putShort((short) entries.size()); // cFiles
        header.putShort((short) 0); // flags: no previous/next cabinet, no reserved fields
        header.putShort((short) setId);
        header.putShort((short) 0); // iCabinet
        for (FolderPlan folder : folders) {
            header.putInt((int) (folder.dataOffset - start)); // coffCabStart
            header.putShort((short) folder.blocks()); // cCFData
            header.putShort((short) compression.typeCompress());
        }
        List<CabinetResult.CabinetFile> files = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            header.putInt((int) e.size()); // cbFile
            header.putInt((int) offsets[i]); // uoffFolderStart
            header.putShort((short) folderOf[i]); // iFolder
            header.putShort((short) e.dateTime().date());
            header.putShort((short) e.dateTime().time());
            header.putShort((short) (e.attributes() | (e.utf8() ? CabAttributes.NAME_IS_UTF : 0)));
            header.put(e.nameBytes());
            header.put((byte) 0);
            files.add(new CabinetResult.CabinetFile(e.name(), firstSequence + i, e.size(), folderOf[i], offsets[i]));
        }
        if (header.hasRemaining()) {
            throw new IllegalStateException("header size mismatch: " + header.remaining() + " bytes left");
        }
        header.flip();
        channel.position(start);
        writeFully(channel, header);
        channel.position(end);
        return new CabinetResult(files, cabinetSize, folders.size(), totalBlocks, totalBytes, compression);
    }

    private PackyardException tooBig(String where, long size) {
        return PackyardException.build(where + "the cabinet grows to " + size + " bytes or more; one cabinet is at most "
                + maxCabinetSize + " bytes (CFHEADER.cbCabinet, CB_MAX_DISK), split the files over several cabinets");
    }

    private static PackyardException changed(String where, Entry e, long now) {
        return PackyardException.build(where + "file " + e.describe() + " changed while the cabinet was written: it had "
                + e.size() + " bytes when added, " + now + " bytes when read");
    }

    private static void writeFully(SeekableByteChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Receives encoded blocks in order and writes them (single-threaded: the caller's thread). */
    private final class BlockSink {
        private final SeekableByteChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final long totalBytes;
        private final String where;
        private final long headerStart;
        private long position;
        private long bytesDone;
        private long lastReported;
        private FolderPlan folder;

        BlockSink(SeekableByteChannel channel, long start, long headerSize, long totalBytes, String where) throws IOException {
            this.channel = channel;
            this.totalBytes = totalBytes;
            this.where = where;
            // a zero-filled placeholder for the header, rewritten once the offsets are known
            ByteBuffer zeros = ByteBuffer.allocate((int) headerSize);
            channel.position(start);
            writeFully(channel, zeros);
            this.headerStart = start;
            this.position = start + headerSize;
        }

        void startFolder(FolderPlan f) {
            this.folder = f;
            f.dataOffset = position;
        }

        void accept(BlockEncoder.Encoded block) throws IOException {
            int size = CFDATA_HEADER_SIZE + block.length();
            if (position + size - headerStart > maxCabinetSize) {
                throw tooBig(where, position + size - headerStart);
            }
            if (buffer.remaining() < size) {
                flush();
            }
            buffer.putInt(block.checksum());
            buffer.putShort((short) block.length());
            buffer.putShort((short) block.uncompressedLength());
            if (buffer.remaining() < block.length()) {
                flush();
                writeFully(channel, ByteBuffer.wrap(block.payload(), 0, block.length()));
            } else {
                buffer.put(block.payload(), 0, block.length());
            }
            position += size;
            folder.blocksWritten++;
            bytesDone += block.uncompressedLength();
            if (bytesDone - lastReported >= PROGRESS_STEP || bytesDone == totalBytes) {
                lastReported = bytesDone;
                progress.advance(bytesDone, totalBytes);
            }
        }

        private void flush() throws IOException {
            buffer.flip();
            writeFully(channel, buffer);
            buffer.clear();
        }

        long finish() throws IOException {
            flush();
            if (bytesDone != totalBytes) {
                throw new IllegalStateException("wrote " + bytesDone + " of " + totalBytes + " bytes");
            }
            return position;
        }
    }

    /**
     * Encodes blocks in submission order. With one thread it encodes inline; otherwise a fixed pool
     * encodes up to {@code 4 x threads} blocks ahead of the writer, which bounds the memory to about
     * 4 x threads x 64 KiB whatever the input size.
     */
    private final class Pipeline implements AutoCloseable {
        private final BlockSink sink;
        private final ExecutorService pool;
        private final int window;
        private final ArrayDeque<Future<BlockEncoder.Encoded>> inFlight = new ArrayDeque<>();
        private final ConcurrentLinkedQueue<Deflater> idle = new ConcurrentLinkedQueue<>();
        private final List<Deflater> all = new ArrayList<>();

        Pipeline(BlockSink sink) {
            this.sink = sink;
            if (threads > 1) {
                this.pool = Executors.newFixedThreadPool(threads, new DaemonThreads());
                this.window = threads * 4;
            } else {
                this.pool = null;
                this.window = 0;
            }
        }

        void submit(byte[] data, int len, byte[] dictionary) throws IOException {
            if (pool == null) {
                sink.accept(encode(data, len, dictionary));
                return;
            }
            while (inFlight.size() >= window) {
                sink.accept(await(inFlight.removeFirst()));
            }
            inFlight.addLast(pool.submit(() -> encode(data, len, dictionary)));
        }

        void drain() throws IOException {
            while (!inFlight.isEmpty()) {
                sink.accept(await(inFlight.removeFirst()));
            }
        }

        private BlockEncoder.Encoded encode(byte[] data, int len, byte[] dictionary) {
            if (compression == Compression.NONE) {
                return BlockEncoder.none(data, len);
            }
            Deflater deflater = idle.poll();
            if (deflater == null) {
                deflater = new Deflater(level, true);
                synchronized (all) {
                    all.add(deflater);
                }
            }
            try {
                return BlockEncoder.mszip(deflater, data, len, dictionary);
            } finally {
                idle.add(deflater);
            }
        }

        private BlockEncoder.Encoded await(Future<BlockEncoder.Encoded> future) throws IOException {
            try {
                return future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while compressing the cabinet");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IOException("compressing a cabinet block failed", cause);
            }
        }

        @Override
        public void close() {
            if (pool != null) {
                for (Future<?> f : inFlight) {
                    f.cancel(false);
                }
                inFlight.clear();
                pool.shutdown();
                boolean interrupted = false;
                while (true) {
                    try {
                        if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                            break;
                        }
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            synchronized (all) {
                for (Deflater d : all) {
                    d.end();
                }
                all.clear();
            }
        }
    }

    private static final class DaemonThreads implements ThreadFactory {
        private static final AtomicInteger POOLS = new AtomicInteger();
        private final int pool = POOLS.incrementAndGet();
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, "packyard-cab-" + pool + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        }
    }
}
