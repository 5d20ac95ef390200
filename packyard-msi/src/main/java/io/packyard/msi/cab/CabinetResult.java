package io.packyard.msi.cab;

import java.util.List;

/**
 * What {@link CabinetWriter#write} produced: everything the MSI File and Media tables need.
 *
 * @param files            the files in cabinet order (sequence order)
 * @param cabinetSize      the cabinet's length in bytes (CFHEADER.cbCabinet)
 * @param folderCount      how many CFFOLDERs the files were spread over
 * @param blockCount       how many CFDATA blocks were written, all folders together
 * @param uncompressedSize the sum of the files' sizes
 * @param compression      the compression of every folder
 */
public record CabinetResult(
        List<CabinetFile> files,
        long cabinetSize,
        int folderCount,
        long blockCount,
        long uncompressedSize,
        Compression compression) {

    public CabinetResult {
        files = List.copyOf(files);
    }

    /**
     * One file of the cabinet.
     *
     * @param name           the name in the cabinet (for an MSI, the File table key)
     * @param sequence       the MSI File.Sequence: 1-based position in the cabinet, offset by the
     *                       writer's {@link CabinetWriter.Builder#firstSequence first sequence}
     * @param size           the file's size in bytes (MSI File.FileSize)
     * @param folder         the 0-based CFFOLDER index that holds its data
     * @param offsetInFolder the file's offset in its folder's uncompressed data (CFFILE.uoffFolderStart)
     */
    public record CabinetFile(String name, int sequence, long size, int folder, long offsetInFolder) {}

    /** The sequence number of the first file (the writer's first sequence). */
    public int firstSequence() {
        return files.isEmpty() ? 0 : files.getFirst().sequence();
    }

    /** The sequence number of the last file: the MSI Media.LastSequence of this cabinet. */
    public int lastSequence() {
        return files.isEmpty() ? 0 : files.getLast().sequence();
    }
}
