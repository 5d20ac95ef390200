package io.packyard.repository.yum;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.repository.packages.Digests;
import io.packyard.repository.packages.DirectoryPackageStore;
import io.packyard.repository.packages.PackageConflictException;
import io.packyard.repository.packages.RecordingStore;
import io.packyard.repository.packages.TestPackages;
import io.packyard.repository.signing.SigningKey;
import io.packyard.repository.signing.TestKeys;
import io.packyard.repository.signing.Verify;
import io.packyard.testkit.SettableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class YumRepositoryTest {
    static SigningKey key;

    @TempDir
    static Path packages;

    static Path v1;
    static Path v1Rebuilt;
    static Path v2;

    @TempDir
    Path work;

    RecordingStore store;
    SettableClock clock;

    @BeforeAll
    static void build() throws IOException {
        key = TestKeys.shared();
        v1 = TestPackages.packyardRpm(packages.resolve("v1"), "yum-app", "1.0");
        v2 = TestPackages.packyardRpm(packages.resolve("v2"), "yum-app", "2.0");
        // same name and version, other content
        v1Rebuilt = TestPackages.packyardRpm(packages.resolve("v1-other"), "yum-app", "1.0", "rebuilt");
    }

    @BeforeEach
    void setUp() throws IOException {
        store = new RecordingStore(new DirectoryPackageStore(work.resolve("store")));
        clock = new SettableClock(Instant.parse("2026-03-01T12:00:00Z"));
    }

    private YumRepository repo(YumOptions options) {
        return new YumRepository(store, "acme", options, () -> key, clock);
    }

    @Test
    void publishSignsThePackageAndWritesRepodataThatRepomdDescribesAndSigns() throws Exception {
        YumRepository yum = repo(YumOptions.defaults());
        YumRepository.Publication p = yum.publish(v1, "stable");
        assertThat(p.changed()).isTrue();
        String path = "yum/acme/stable/Packages/y/" + v1.getFileName();
        assertThat(p.published().path()).isEqualTo(path);

        // the stored package is signed by the repository key and is otherwise the same package
        Path stored = work.resolve("stored.rpm");
        Files.write(stored, store.read(path).orElseThrow());
        RpmPackage signed = RpmPackageReader.read(stored);
        assertThat(signed.signatureKeyIds()).isNotEmpty().allMatch(key.keyId()::equals);
        assertThat(signed.contentSha256()).isEqualTo(RpmPackageReader.read(v1).contentSha256());
        assertThat(p.published().sha256()).isEqualTo(signed.sha256()).isEqualTo(Digests.sha256(stored));

        byte[] repomd = store.read("yum/acme/stable/repodata/repomd.xml").orElseThrow();
        assertThat(Verify.detached(key.publicKeyBinary(), repomd, store.read("yum/acme/stable/repodata/repomd.xml.asc").orElseThrow())).isTrue();
        Document doc = xml(repomd);
        NodeList data = doc.getElementsByTagName("data");
        List<String> types = new ArrayList<>();
        for (int i = 0; i < data.getLength(); i++) {
            Element d = (Element) data.item(i);
            types.add(d.getAttribute("type"));
            String href = ((Element) d.getElementsByTagName("location").item(0)).getAttribute("href");
            byte[] gz = store.read("yum/acme/stable/" + href).orElseThrow();
            byte[] open = new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
            assertThat(text(d, "checksum")).isEqualTo(Digests.sha256(gz));
            assertThat(href).isEqualTo("repodata/" + Digests.sha256(gz) + "-" + d.getAttribute("type") + ".xml.gz");
            assertThat(text(d, "open-checksum")).isEqualTo(Digests.sha256(open));
            assertThat(Long.parseLong(text(d, "size"))).isEqualTo(gz.length);
            assertThat(Long.parseLong(text(d, "open-size"))).isEqualTo(open.length);
            assertThat(text(d, "timestamp")).isEqualTo(Long.toString(clock.instant().getEpochSecond()));
            if (d.getAttribute("type").equals("primary")) {
                Document primary = xml(open);
                Element pkg = (Element) primary.getElementsByTagName("package").item(0);
                assertThat(text(pkg, "checksum")).isEqualTo(signed.sha256());
                assertThat(((Element) pkg.getElementsByTagName("location").item(0)).getAttribute("href"))
                        .isEqualTo("Packages/y/" + v1.getFileName());
                List<String> files = new ArrayList<>();
                NodeList fl = pkg.getElementsByTagName("file");
                for (int j = 0; j < fl.getLength(); j++) {
                    files.add(fl.item(j).getTextContent());
                }
                // the /usr/bin entry dnf resolves "Requires: /usr/bin/yum-app-hello" against
                assertThat(files).contains("/usr/bin/yum-app-hello");
                Element range = (Element) pkg.getElementsByTagNameNS(YumMetadata.RPM_NS, "header-range").item(0);
                assertThat(Long.parseLong(range.getAttribute("start"))).isEqualTo(signed.headerStart());
                assertThat(Long.parseLong(range.getAttribute("end"))).isEqualTo(signed.headerEnd());
            }
        }
        assertThat(types).containsExactly("primary", "filelists", "other");
    }

    @Test
    void republishingIsANoOpConflictsAreRefusedAndVersionsSortLikeRpm() throws IOException {
        YumRepository yum = repo(YumOptions.defaults());
        yum.publish(v2, "stable");
        yum.publish(v1, "stable");
        String repomd = new String(store.read("yum/acme/stable/repodata/repomd.xml").orElseThrow(), StandardCharsets.UTF_8);
        store.clear();
        clock.advance(Duration.ofMinutes(1));
        assertThat(yum.publish(v1, "stable").changed()).isFalse();
        // the stored (signed) file is the same package: no change either
        Path stored = work.resolve("again.rpm");
        Files.write(stored, store.read("yum/acme/stable/Packages/y/" + v1.getFileName()).orElseThrow());
        assertThat(yum.publish(stored, "stable").changed()).isFalse();
        assertThat(store.log()).isEmpty();
        assertThat(new String(store.read("yum/acme/stable/repodata/repomd.xml").orElseThrow(), StandardCharsets.UTF_8)).isEqualTo(repomd);

        assertThatThrownBy(() -> yum.publish(v1Rebuilt, "testing"))
                .isInstanceOf(PackageConflictException.class)
                .hasMessageContaining("File already exists: yum-app-1.0-1.x86_64 was published before with other content");
        assertThat(yum.packages("stable")).extracting(x -> x.version()).containsExactly("1.0-1", "2.0-1");
        assertThat(yum.channels()).containsExactly("stable");
    }

    @Test
    void newMetadataIsWrittenBeforeRepomdAndItsSignatureAndOldMetadataExpires() throws IOException {
        YumRepository yum = repo(YumOptions.defaults().withRetention(2, Duration.ofHours(1)));
        yum.publish(v1, "stable");
        List<String> first = store.list("yum/acme/stable/repodata");
        store.clear();
        clock.advance(Duration.ofMinutes(1));
        yum.publish(v2, "stable");
        List<String> log = store.log();
        int repomd = log.indexOf("put yum/acme/stable/repodata/repomd.xml");
        int asc = log.indexOf("put yum/acme/stable/repodata/repomd.xml.asc");
        assertThat(repomd).isLessThan(asc);
        assertThat(log.subList(0, repomd)).filteredOn(l -> l.contains("/repodata/")).hasSize(3)
                .allMatch(l -> l.matches("put yum/acme/stable/repodata/[0-9a-f]{64}-(primary|filelists|other)\\.xml\\.gz"));
        assertThat(log.indexOf("put yum/acme/stable/Packages/y/" + v2.getFileName())).isLessThan(repomd);
        // the first generation's files are still there for clients holding the old repomd.xml
        assertThat(store.list("yum/acme/stable/repodata")).containsAll(first);

        clock.advance(Duration.ofHours(2));
        yum.refresh("stable");
        yum.refresh("stable");
        assertThat(store.list("yum/acme/stable/repodata")).hasSize(5).doesNotContainAnyElementsOf(
                first.stream().filter(f -> !f.endsWith("repomd.xml") && !f.endsWith(".asc")).toList());

        // a removed package's file goes the same way
        assertThat(yum.remove("stable", "yum-app-1.0-1.x86_64")).isTrue();
        assertThat(store.exists("yum/acme/stable/Packages/y/" + v1.getFileName())).isTrue();
        clock.advance(Duration.ofHours(2));
        yum.refresh("stable");
        yum.refresh("stable");
        assertThat(store.exists("yum/acme/stable/Packages/y/" + v1.getFileName())).isFalse();
        assertThat(yum.packages("stable")).extracting(x -> x.version()).containsExactly("2.0-1");
    }

    @Test
    void withoutAKeyPackagesAndMetadataStayUnsigned() throws IOException {
        YumRepository yum = new YumRepository(store, "open", YumOptions.defaults(), () -> null, clock);
        yum.publish(v1, "stable");
        assertThat(store.exists("yum/open/stable/repodata/repomd.xml")).isTrue();
        assertThat(store.exists("yum/open/stable/repodata/repomd.xml.asc")).isFalse();
        assertThat(store.read("yum/open/stable/Packages/y/" + v1.getFileName()).orElseThrow()).isEqualTo(Files.readAllBytes(v1));
    }

    static Document xml(byte[] bytes) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            return f.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException e) {
            throw new IOException(e);
        }
    }

    static String text(Element e, String child) {
        return e.getElementsByTagName(child).item(0).getTextContent();
    }
}
