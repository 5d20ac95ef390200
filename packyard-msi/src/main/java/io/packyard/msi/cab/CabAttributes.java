package io.packyard.msi.cab;

/** The CFFILE.attribs bits ([MS-CAB] 2.4). Combine with {@code |}. */
public final class CabAttributes {
    private CabAttributes() {}

    /** No attribute. */
    public static final int NONE = 0x00;
    /** _A_RDONLY: the file is read-only. */
    public static final int READ_ONLY = 0x01;
    /** _A_HIDDEN. */
    public static final int HIDDEN = 0x02;
    /** _A_SYSTEM. */
    public static final int SYSTEM = 0x04;
    /** _A_ARCH: modified since the last backup; what makecab sets on ordinary files. */
    public static final int ARCHIVE = 0x20;
    /** _A_EXEC: run after extraction (only some extractors honour it). */
    public static final int EXECUTE = 0x40;
    /**
     * _A_NAME_IS_UTF: the name is UTF-8 rather than the extracting system's code page. The writer
     * sets this bit itself exactly when a name has a non-ASCII character; callers don't pass it.
     */
    public static final int NAME_IS_UTF = 0x80;

    /** The bits a caller may pass to {@link CabinetWriter#add}. */
    public static final int CALLER_BITS = READ_ONLY | HIDDEN | SYSTEM | ARCHIVE | EXECUTE;
}
