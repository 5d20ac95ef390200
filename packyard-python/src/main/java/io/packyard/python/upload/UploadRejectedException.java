package io.packyard.python.upload;

import io.packyard.python.PackyardException;

/**
 * An upload refused by {@link UploadValidator} (server side) or by the index (client side): an
 * HTTP status ready to send (400, or 413 for a file over the size limit) and a one-line reason in
 * the style of PyPI's Warehouse, which is also the exception's message.
 */
public class UploadRejectedException extends PackyardException {

    private final int status;

    public UploadRejectedException(int status, String reason) {
        super(Kind.BUILD, oneLine(reason));
        this.status = status;
    }

    public UploadRejectedException(int status, String reason, Throwable cause) {
        super(Kind.BUILD, oneLine(reason), cause);
        this.status = status;
    }

    /** 400 Bad Request with this reason. */
    public static UploadRejectedException badRequest(String reason) {
        return new UploadRejectedException(400, reason);
    }

    /** 413: the file is larger than {@code limit} bytes. */
    public static UploadRejectedException tooLarge(String filename, long limit) {
        return new UploadRejectedException(413, "File too large. Limit for this upload is "
                + UploadValidator.humanSize(limit) + (filename == null ? "." : " (" + filename + ")."));
    }

    /** The HTTP status to answer with. */
    public int status() {
        return status;
    }

    /** The one-line reason (the same as {@link #getMessage()}). */
    public String reason() {
        return getMessage();
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
        }
        return b.toString().strip();
    }
}
