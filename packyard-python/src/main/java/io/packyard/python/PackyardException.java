package io.packyard.python;

/**
 * An error meant for the user: its message is one line that names the file, the field and the
 * problem. The CLI prints the message (never a stack trace) and exits with {@link Kind#exitCode()}.
 */
public class PackyardException extends RuntimeException {

    /** What went wrong decides the exit code. */
    public enum Kind {
        /** Bad command line or bad project configuration: exit 2. */
        CONFIG(2),
        /** The build itself failed (a wheel is refused, a backend failed, no wheel for the target): exit 1. */
        BUILD(1);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;

    public PackyardException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PackyardException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public static PackyardException config(String message) {
        return new PackyardException(Kind.CONFIG, message);
    }

    public static PackyardException build(String message) {
        return new PackyardException(Kind.BUILD, message);
    }

    public static PackyardException build(String message, Throwable cause) {
        return new PackyardException(Kind.BUILD, message, cause);
    }

    public Kind kind() {
        return kind;
    }
}
