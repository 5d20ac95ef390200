package io.packyard.bundle.interpreter;

import io.packyard.bundle.Target;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A provisioned interpreter, as the rest of the build sees it. Paths inside the bundle are
 * relative to the bundle root and always use {@code /}.
 *
 * @param version the full version {@code X.Y.Z} (for {@code system} only {@code X.Y}: the patch
 *     level is the target system's business)
 * @param pythonXY {@code X.Y}, e.g. {@code 3.12}: the {@code python_version} marker value and the
 *     {@code lib/pythonX.Y} directory name
 * @param target the platform it runs on
 * @param bundled true when the interpreter tree is part of the bundle (false for {@code system})
 * @param executable the interpreter: {@code python/bin/python3} (Linux), {@code python/python.exe}
 *     (Windows), or an absolute path such as {@code /usr/bin/python3.11} for {@code system}
 * @param stdlibDir the standard library: {@code python/lib/python3.12} or {@code python/Lib}
 *     (absolute {@code /usr/lib/python3.11} for {@code system})
 * @param sitePackages where the application's packages go: the interpreter's own
 *     {@code python/lib/python3.12/site-packages} (or {@code python/Lib/site-packages}); for
 *     {@code system} the bundle's own {@code lib/python3.11/site-packages}, which the launchers
 *     put on {@code sys.path}
 * @param hostExecutable an interpreter with the same X.Y that runs on the build machine, for
 *     compiling bytecode and running build backends: the provisioned one when the target runs
 *     on this machine, else a host CPython of the same X.Y if one was found
 * @param buildExecutable a full host CPython of the same X.Y (with its C headers and build
 *     configuration) for running PEP 517 backends, which may compile extension modules: the
 *     original of a {@code host:} copy, else a host CPython found on PATH or in pyenv, else
 *     {@code hostExecutable}
 */
public record Interpreter(
        String version,
        String pythonXY,
        Target target,
        boolean bundled,
        String executable,
        String stdlibDir,
        String sitePackages,
        Optional<Path> hostExecutable,
        Optional<Path> buildExecutable) {

    public Interpreter {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(pythonXY, "pythonXY");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(stdlibDir, "stdlibDir");
        Objects.requireNonNull(sitePackages, "sitePackages");
        Objects.requireNonNull(hostExecutable, "hostExecutable");
        Objects.requireNonNull(buildExecutable, "buildExecutable");
    }

    /** The PEP 425 interpreter tag, e.g. {@code cp312}. */
    public String pythonTag() {
        return "cp" + pythonXY.replace(".", "");
    }
}
