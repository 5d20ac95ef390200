package io.packyard.python.version;

/** A string that is not a valid PEP 440 version. */
public class InvalidVersionException extends IllegalArgumentException {
    private final String input;

    public InvalidVersionException(String input, String reason) {
        super("invalid version '" + input + "': " + reason);
        this.input = input;
    }

    /** The text that failed to parse. */
    public String input() {
        return input;
    }
}
