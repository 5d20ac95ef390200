package io.packyard.bundle;

/**
 * A command the installed application puts on PATH.
 *
 * @param name the command name, e.g. {@code notes}
 * @param launcher the launcher's path relative to the bundle root, e.g. {@code bin/notes}
 * @param gui true for a GUI script (no console window on Windows)
 */
public record Command(String name, String launcher, boolean gui) {}
