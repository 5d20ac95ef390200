package io.packyard.msi.db;

/**
 * The column data types of the Windows Installer SDK ("Column Data Types"), as written to the
 * {@code Category} column of the {@code _Validation} table. They document what a string column
 * holds (an identifier, a formatted string, a condition, ...); msiexec itself does not check
 * them, validation tools (ICE) do.
 *
 * <p>{@link #name()} is the exact spelling the SDK uses, so it is written as is.
 */
public enum Category {
    /** Any text. */
    Text,
    /** Text, upper case only. */
    UpperCase,
    /** Text, lower case only. */
    LowerCase,
    /** A 16-bit integer (documented for integer columns that carry it explicitly). */
    Integer,
    /** A 32-bit integer. */
    DoubleInteger,
    /** A packed date/time. */
    TimeDate,
    /** Starts with a letter or underscore; letters, digits, underscores, periods. */
    Identifier,
    /** An identifier or a {@code %ENVVAR} reference. */
    Property,
    /** A short or {@code short|long} file name. */
    Filename,
    /** A file name that may contain {@code *} and {@code ?}. */
    WildCardFilename,
    /** A path, possibly with properties. */
    Path,
    /** A semicolon-separated list of paths. */
    Paths,
    /** A full or relative path, or a file name. */
    AnyPath,
    /** A Directory.DefaultDir value ({@code target:source} names). */
    DefaultDir,
    /** A registry path (no leading backslash). */
    RegPath,
    /** A formatted string ({@code [Property]}, {@code [#File]}, ...). */
    Formatted,
    /** A formatted SDDL string. */
    FormattedSDDLText,
    /** A formatted string whose leading {@code [~]} etc. have registry meanings. */
    KeyFormatted,
    /** A formatted string with placeholders ({@code [1]}, ...). */
    Template,
    /** A conditional expression. */
    Condition,
    /** A GUID in braces, upper case. */
    Guid,
    /** A version {@code a.b.c.d}. */
    Version,
    /** A comma-separated list of language ids. */
    Language,
    /** A binary stream column. */
    Binary,
    /** A custom action source (a key into Binary, File, Directory or Property). */
    CustomSource,
    /** A cabinet name, or {@code #name} for a cabinet stored in the package. */
    Cabinet,
    /** A Shortcut.Target value: a Feature key or a formatted string. */
    Shortcut
}
