package io.packyard.formats.wheel;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.Target;
import io.packyard.formats.PackageFormat;
import io.packyard.python.PackyardException;
import io.packyard.python.util.Progress;
import io.packyard.python.wheel.WheelFilename;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The project's own wheel, exactly as its PEP 517 backend built it for the bundle (offline, no
 * build isolation, SOURCE_DATE_EPOCH set), under its PEP 427 name, e.g.
 * {@code hello_cli-1.0.0-py3-none-any.whl}: the file to upload to a Python index with twine or
 * the build service's publish step. Built only when asked for ({@code --format wheel}).
 */
public final class WheelFormat implements PackageFormat {

    @Override
    public String id() {
        return "wheel";
    }

    @Override
    public boolean supports(Target target) {
        return true;
    }

    @Override
    public boolean builtByDefault() {
        return false;
    }

    @Override
    public String fileName(Bundle bundle) {
        String name = wheel(bundle).getFileName().toString();
        try {
            WheelFilename.parse(name);
        } catch (RuntimeException e) {
            throw PackyardException.build("wheel format: the backend's wheel " + name
                    + " does not have a PEP 427 file name: " + e.getMessage());
        }
        return name;
    }

    @Override
    public void write(Bundle bundle, Path out, Progress progress) throws IOException {
        Path wheel = wheel(bundle);
        progress.step("Writing " + wheel.getFileName());
        try (InputStream in = Files.newInputStream(wheel);
                OutputStream os = Files.newOutputStream(out, StandardOpenOption.CREATE_NEW)) {
            in.transferTo(os);
        }
    }

    private static Path wheel(Bundle bundle) {
        return bundle.projectWheel().orElseThrow(() -> PackyardException.build(
                "wheel format: the bundle of " + bundle.metadata().name() + " carries no project wheel"));
    }
}
