package io.packyard.bundle.project;

import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code [tool.packyard.sign]}: Authenticode signing of Windows launchers and installers.
 *
 * @param pfx the PKCS#12 file holding the code-signing certificate and its private key
 * @param passwordFile a file whose first line is the PFX password (kept out of pyproject.toml)
 * @param timestampUrl an RFC 3161 timestamp server, or empty to sign without a timestamp
 * @param where where the table is, for error messages ("pyproject.toml:30: [tool.packyard.sign]")
 */
public record SignSettings(Path pfx, Path passwordFile, Optional<String> timestampUrl, String where) {}
