package io.packyard.python.requirements;

/** A string that is not a valid PEP 508 dependency specifier. */
public class InvalidRequirementException extends IllegalArgumentException {
    public InvalidRequirementException(String message) {
        super(message);
    }

    public InvalidRequirementException(String message, Throwable cause) {
        super(message, cause);
    }
}
