package io.packyard.repository.yum;

import io.packyard.repository.signing.SigningKey;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;

/**
 * Signs an .rpm the way {@code rpmsign --addsign} (rpm 4.18) does, with a {@link SigningKey}
 * instead of gpg: every OpenPGP signature already in the signature header is dropped, a header
 * signature (RSA → tag 268, EdDSA/DSA → 267) over the main header is added, and when the header
 * has no payload digest (packages built before rpm 4.14, or by tools that omit it) also a
 * header+payload signature (1002 / 1005), since a header-only signature would not cover the
 * payload then. The signature header gets a SHA-256 header digest when it lacks one. Lead, main
 * header and payload are copied unchanged, so the package's header and files keep their digests.
 */
public final class RpmSigner {
    private static final Set<Integer> SIGNATURE_TAGS = Set.of(
            RpmPackageReader.SIG_DSA, RpmPackageReader.SIG_RSA, RpmPackageReader.SIG_PGP,
            RpmPackageReader.SIG_GPG, RpmPackageReader.SIG_PGP5, RpmPackageReader.SIG_OPENPGP);

    private RpmSigner() {}

    /**
     * Writes to {@code out} (which must not exist) the package {@code in} signed with {@code key}.
     */
    public static void sign(Path in, Path out, SigningKey key) throws IOException {
        RpmPackageReader.Parts parts;
        try (InputStream s = new BufferedInputStream(Files.newInputStream(in), 1 << 16)) {
            parts = RpmPackageReader.readParts(s, in.getFileName().toString());
        }
        byte[] header = parts.header().bytes();
        boolean eddsaOrDsa = key.algorithm() == PublicKeyAlgorithmTags.EDDSA_LEGACY
                || key.algorithm() == PublicKeyAlgorithmTags.Ed25519
                || key.algorithm() == PublicKeyAlgorithmTags.DSA;

        List<RpmHeader.NewEntry> entries = new ArrayList<>();
        for (RpmHeader.Entry e : parts.signature().entries()) {
            if (e.tag() == RpmHeader.HEADER_SIGNATURES || e.tag() == 61 || SIGNATURE_TAGS.contains(e.tag())) {
                continue;
            }
            entries.add(new RpmHeader.NewEntry(e.tag(), e.type(), e.count(), parts.signature().raw(e)));
        }
        if (!parts.signature().has(RpmPackageReader.SIG_SHA256)) {
            String sha = HexFormat.of().formatHex(io.packyard.repository.packages.Digests.digest("SHA-256").digest(header));
            entries.add(RpmHeader.NewEntry.string(RpmPackageReader.SIG_SHA256, sha));
        }
        entries.add(RpmHeader.NewEntry.bin(eddsaOrDsa ? RpmPackageReader.SIG_DSA : RpmPackageReader.SIG_RSA,
                key.detachedBinary(header, SigningKey.RPM_HASH)));
        if (!parts.header().has(RpmPackageReader.PAYLOADDIGEST)) {
            try (InputStream payload = payload(in, parts.headerEnd())) {
                byte[] v3 = key.detachedBinary(new SequenceInputStream(new java.io.ByteArrayInputStream(header), payload), SigningKey.RPM_HASH);
                entries.add(RpmHeader.NewEntry.bin(eddsaOrDsa ? RpmPackageReader.SIG_GPG : RpmPackageReader.SIG_PGP, v3));
            }
        }
        byte[] signature = RpmHeader.build(RpmHeader.HEADER_SIGNATURES, entries);
        int pad = (8 - signature.length % 8) % 8;

        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                OutputStream o = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
            o.write(parts.lead());
            o.write(signature);
            o.write(new byte[pad]);
            o.write(header);
            try (InputStream payload = payload(in, parts.headerEnd())) {
                payload.transferTo(o);
            }
            o.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    private static InputStream payload(Path in, long headerEnd) throws IOException {
        InputStream s = new BufferedInputStream(Files.newInputStream(in), 1 << 16);
        s.skipNBytes(headerEnd);
        return s;
    }
}
