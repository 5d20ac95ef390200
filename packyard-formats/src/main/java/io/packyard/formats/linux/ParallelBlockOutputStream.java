package io.packyard.formats.linux;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The machinery the parallel compressors share ({@link ParallelXzOutputStream},
 * {@link ParallelGzipOutputStream}, the onefile executable's LZ4 blocks): the input is cut into blocks of a size fixed in advance,
 * each block is encoded on a pool of threads, and the encoded blocks are written in input order
 * with a bounded number in flight. The encoding of a block is a pure function of what the
 * subclass captures when the block is submitted (on the writing thread, in order), so the output
 * never depends on the thread count or timing.
 *
 * @param <B> an encoded block
 */
public abstract class ParallelBlockOutputStream<B> extends OutputStream {
    /** Where the compressed stream goes. */
    protected final OutputStream out;
    private final int blockSize;
    private final int threads;
    private final String threadName;
    /** Made at the first block, so that a subclass constructor that fails leaves no threads. */
    private ExecutorService pool;
    private final int maxInFlight;
    private final Deque<Future<B>> inFlight = new ArrayDeque<>();
    private byte[] buffer;
    private int filled;
    private boolean finished;

    /**
     * @param blockSize uncompressed bytes per block (the last one may be shorter)
     * @param threads how many blocks are encoded at a time
     * @param threadName the name of the pool's threads
     */
    protected ParallelBlockOutputStream(OutputStream out, int blockSize, int threads, String threadName) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be positive: " + blockSize);
        }
        this.out = out;
        this.blockSize = blockSize;
        this.threads = Math.max(1, threads);
        this.threadName = threadName;
        this.maxInFlight = Math.max(1, threads) + 1;
        this.buffer = new byte[Math.min(blockSize, 1 << 20)];
    }

    /**
     * The work that encodes one block, made on the writing thread in block order. {@code data}
     * belongs to the block from now on (it is never written to again).
     */
    protected abstract Callable<B> encoder(byte[] data, int size);

    /** Writes one encoded block to {@link #out}; called in block order on the writing thread. */
    protected abstract void emit(B block) throws IOException;

    /** Writes what follows the last block (an index, a trailer). */
    protected abstract void writeTrailer() throws IOException;

    /** Bytes of input seen so far; subclasses may also look at every byte. */
    protected void consumed(byte[] b, int off, int len) {}

    @Override
    public final void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public final void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("stream finished");
        }
        consumed(b, off, len);
        while (len > 0) {
            if (filled == buffer.length && buffer.length < blockSize) {
                byte[] bigger = new byte[(int) Math.min(blockSize, 2L * buffer.length)];
                System.arraycopy(buffer, 0, bigger, 0, filled);
                buffer = bigger;
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == blockSize) {
                submitBlock();
            }
        }
    }

    private void submitBlock() throws IOException {
        byte[] data = buffer;
        int size = filled;
        buffer = new byte[Math.min(blockSize, 1 << 20)];
        filled = 0;
        if (pool == null) {
            pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
            });
        }
        inFlight.add(pool.submit(encoder(data, size)));
        while (inFlight.size() >= maxInFlight) {
            emitNext();
        }
    }

    /** Finishes the stream (every block and the trailer) without closing the underlying stream. */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        try {
            if (filled > 0) {
                submitBlock();
            }
            while (!inFlight.isEmpty()) {
                emitNext();
            }
            writeTrailer();
            finished = true;
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            finish();
        } finally {
            out.close();
        }
    }

    private void emitNext() throws IOException {
        B block;
        try {
            block = inFlight.removeFirst().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
        emit(block);
    }
}
