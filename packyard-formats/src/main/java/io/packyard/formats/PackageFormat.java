package io.packyard.formats;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Target;
import io.packyard.python.util.Progress;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One kind of installer or archive. Each format lives in its own package
 * ({@code io.packyard.formats.deb}, {@code .rpm}, {@code .targz}, ...) and is listed once in
 * {@link PackageFormats}. A format reads only the {@link Bundle}; it never stages or resolves.
 */
public interface PackageFormat {

    /** The name used with {@code --format}, e.g. {@code deb}, {@code tar.gz}. */
    String id();

    /** Whether this format can package a bundle for the target (a .deb is Linux only, say). */
    boolean supports(Target target);

    /** The conventional file name, e.g. {@code acme-notes_1.0-1_amd64.deb}. */
    String fileName(Bundle bundle);

    /**
     * Writes the package to the file {@code out}, which does not exist yet. The caller passes a
     * temporary name and, on success, fsyncs and renames it to {@link #fileName(Bundle)}; on
     * failure it deletes it, so a failed build leaves nothing in the output directory.
     */
    void write(Bundle bundle, Path out, Progress progress) throws IOException;

    /**
     * Checks what the format reads from outside the bundle (environment settings) before any
     * staging, so that a bad setting fails the build at once; throws a config
     * {@link io.packyard.python.PackyardException} with a one-line reason.
     */
    default void checkSettings() {}

    /**
     * True when the package is a file Authenticode can sign (an .msi): the pipeline then signs it
     * with [tool.packyard.sign] before it gets its final name.
     */
    default boolean authenticode() {
        return false;
    }

    /**
     * True when {@code packyard build} without {@code --format} builds this format (the installers
     * and archives); deployment formats such as onefile and OCI images are built only when asked for.
     */
    default boolean builtByDefault() {
        return true;
    }
}
