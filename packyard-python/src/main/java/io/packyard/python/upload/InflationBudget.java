package io.packyard.python.upload;

/**
 * Counts the bytes an archive really inflates to, across all its members, and stops the reading
 * as soon as the total passes the limit or the compression ratio passes the bound (decompression
 * bombs). The ratio bound applies once more than {@code ratioMinSize} bytes were produced, so
 * small, very compressible files (a tiny wheel of empty {@code __init__.py}s) pass.
 */
final class InflationBudget {

    interface Failure {
        UploadRejectedException reject(String message);
    }

    private final long maxTotal;
    private final double maxRatio;
    private final long ratioMinSize;
    private final long compressedSize;
    private final Failure failure;
    private long total;

    InflationBudget(long maxTotal, double maxRatio, long ratioMinSize, long compressedSize, Failure failure) {
        this.maxTotal = maxTotal;
        this.maxRatio = maxRatio;
        this.ratioMinSize = ratioMinSize;
        this.compressedSize = Math.max(1, compressedSize);
        this.failure = failure;
    }

    /** Records {@code n} more inflated bytes; throws when a bound is passed. */
    void add(long n) {
        total += n;
        check(total, "decompresses to");
    }

    /** Checks a declared total (sum of the sizes the archive claims) before anything is inflated. */
    void checkDeclared(long declared) {
        check(declared, "declares");
    }

    private void check(long bytes, String verb) {
        if (bytes > maxTotal) {
            throw failure.reject("archive " + verb + " more than " + UploadValidator.humanSize(maxTotal)
                    + " (limit on uncompressed size)");
        }
        if (bytes > ratioMinSize && bytes / (double) compressedSize > maxRatio) {
            throw failure.reject("File exceeds compression ratio of " + UploadValidator.formatRatio(maxRatio)
                    + " (archive " + verb + " " + bytes + " bytes from " + compressedSize + ")");
        }
    }

    long total() {
        return total;
    }
}
