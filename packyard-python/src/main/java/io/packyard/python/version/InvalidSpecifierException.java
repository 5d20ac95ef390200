package io.packyard.python.version;

/** A string that is not a valid PEP 440 version specifier (or comma-separated set of them). */
public class InvalidSpecifierException extends IllegalArgumentException {
    private final String input;
    private final String reason;

    public InvalidSpecifierException(String input, String reason) {
        super("invalid version specifier '" + input + "': " + reason);
        this.input = input;
        this.reason = reason;
    }

    /** What is wrong, without the input (e.g. "missing version after '>='"). */
    public String reason() {
        return reason;
    }

    /** The text that failed to parse. */
    public String input() {
        return input;
    }
}
