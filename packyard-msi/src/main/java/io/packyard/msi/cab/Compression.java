package io.packyard.msi.cab;

/** How the data blocks of a cabinet's folders are stored ([MS-CAB] 2.3 CFFOLDER.typeCompress). */
public enum Compression {
    /** Blocks stored as they are: fastest, largest. */
    NONE(0x0000),
    /**
     * MSZIP ([MS-MCI]): each 32 KiB block is "CK" followed by a raw deflate stream that may refer
     * back into the previous block's uncompressed data. Every cabinet reader (msiexec, cabextract,
     * gcab, expand.exe) supports it.
     */
    MSZIP(0x0001);

    private final int typeCompress;

    Compression(int typeCompress) {
        this.typeCompress = typeCompress;
    }

    /** The CFFOLDER.typeCompress value. */
    public int typeCompress() {
        return typeCompress;
    }
}
