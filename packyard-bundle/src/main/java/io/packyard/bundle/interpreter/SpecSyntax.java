package io.packyard.bundle.interpreter;

import java.util.List;
import java.util.regex.Pattern;

/** The syntax {@link InterpreterSpec} accepts, shared with the provisioner. */
final class SpecSyntax {

    /** {@code X.Y} or {@code X.Y.Z} of CPython 3, no leading zeros. */
    static final Pattern VERSION = Pattern.compile("3\\.(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))?");
    static final Pattern MINOR = Pattern.compile("3\\.(0|[1-9][0-9]*)");
    /** A python-build-standalone release tag: a date, in early releases with a time. */
    static final Pattern RELEASE = Pattern.compile("[0-9]{8}(T[0-9]{4})?");
    static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    static final String EXPECTED = "expected a version such as \"3.12\", \"archive:PATH\", "
            + "\"host:PATH\", \"host:3.12\" or \"system\"";
    static final List<String> TABLE_KEYS = List.of("archive", "sha256", "host", "version", "release");

    private SpecSyntax() {}
}
