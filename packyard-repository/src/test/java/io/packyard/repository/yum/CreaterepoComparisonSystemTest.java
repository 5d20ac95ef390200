package io.packyard.repository.yum;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.repository.packages.Cmd;
import io.packyard.repository.packages.DirectoryPackageStore;
import io.packyard.repository.packages.TestPackages;
import io.packyard.repository.signing.SigningKey;
import io.packyard.repository.signing.TestKeys;
import io.packyard.testkit.SettableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * The repodata {@link YumRepository} writes, compared element by element with what createrepo_c
 * writes for the very same (signed) .rpm files at the same relative paths. The only difference
 * allowed is {@code time/@file}: createrepo_c takes the file's mtime, Packyard the time of
 * publication. docs/repositories.md lists this.
 */
@Tag("system")
class CreaterepoComparisonSystemTest {
    @TempDir
    static Path work;

    static Path ours;
    static Path theirs;

    @BeforeAll
    static void publishAndRunCreaterepo() throws IOException {
        SigningKey key = TestKeys.shared();
        DirectoryPackageStore store = new DirectoryPackageStore(work.resolve("store"));
        YumRepository yum = new YumRepository(store, "compare", YumOptions.defaults(), () -> key,
                new SettableClock(Instant.parse("2026-03-01T12:00:00Z")));
        yum.publish(TestPackages.packyardRpm(work.resolve("p"), "compare-app", "1.5"), "stable");
        yum.publish(RpmFixtures.richRpm(work), "stable");
        ours = store.file("yum/compare/stable");

        theirs = work.resolve("createrepo");
        for (Path rpm : rpms(ours)) {
            Path target = theirs.resolve(ours.relativize(rpm).toString());
            Files.createDirectories(target.getParent());
            Files.copy(rpm, target);
        }
        Cmd.run("createrepo_c", "--no-database", "--checksum", "sha256", theirs.toString()).ok();
    }

    private static List<Path> rpms(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir.resolve("Packages"))) {
            return s.filter(p -> p.toString().endsWith(".rpm")).sorted().toList();
        }
    }

    @Test
    void primaryMatchesCreaterepoExceptTheFileTime() throws IOException {
        Map<String, List<String>> a = packages(ours, "primary");
        Map<String, List<String>> b = packages(theirs, "primary");
        assertThat(a.keySet()).containsExactlyElementsOf(b.keySet()).hasSize(2);
        for (String name : a.keySet()) {
            List<String> ourLines = a.get(name).stream().filter(l -> !l.startsWith("package/time[")).toList();
            List<String> theirLines = b.get(name).stream().filter(l -> !l.startsWith("package/time[")).toList();
            assertThat(ourLines).as(name).containsExactlyElementsOf(theirLines);
            assertThat(timeBuild(a.get(name))).isEqualTo(timeBuild(b.get(name)));
        }
        // what the filtering rules left: createrepo_c and Packyard agree on them (checked above); spot-check a few
        assertThat(a.get("richapp")).contains("package/format/file /usr/bin/richapp", "package/format/file /etc/richapp/richapp.conf",
                "package/format/file[type=dir] /etc/richapp", "package/format/file /opt/richapp/bin/helper");
        assertThat(a.get("richapp")).noneMatch(l -> l.contains("rpmlib("));
        assertThat(a.get("richapp")).contains("package/format/requires/entry[name=/bin/sh,pre=1] ");
        assertThat(a.get("compare-app")).contains("package/format/file /usr/bin/compare-app-hello");
    }

    @Test
    void filelistsAndOtherMatchCreaterepo() throws IOException {
        for (String type : List.of("filelists", "other")) {
            Map<String, List<String>> a = packages(ours, type);
            Map<String, List<String>> b = packages(theirs, type);
            assertThat(a).as(type).isEqualTo(b);
        }
        assertThat(packages(ours, "other").get("richapp")).filteredOn(l -> l.startsWith("package/changelog")).hasSize(3);
    }

    private static String timeBuild(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("package/time[")).findFirst().orElseThrow().replaceAll("file=[0-9]+", "");
    }

    /** Package name to the flattened lines of its element in the repodata file of {@code type}. */
    static Map<String, List<String>> packages(Path repo, String type) throws IOException {
        Document repomd = YumRepositoryTest.xml(Files.readAllBytes(repo.resolve("repodata/repomd.xml")));
        String href = null;
        var data = repomd.getElementsByTagName("data");
        for (int i = 0; i < data.getLength(); i++) {
            Element d = (Element) data.item(i);
            if (d.getAttribute("type").equals(type)) {
                href = ((Element) d.getElementsByTagName("location").item(0)).getAttribute("href");
            }
        }
        byte[] gz = Files.readAllBytes(repo.resolve(href));
        Document doc = YumRepositoryTest.xml(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
        Map<String, List<String>> out = new TreeMap<>();
        var pkgs = doc.getDocumentElement().getChildNodes();
        for (int i = 0; i < pkgs.getLength(); i++) {
            if (pkgs.item(i) instanceof Element e && e.getLocalName().equals("package")) {
                List<String> lines = new ArrayList<>();
                flatten(e, "", lines);
                String name = e.hasAttribute("name") ? e.getAttribute("name") : e.getElementsByTagName("name").item(0).getTextContent();
                out.put(name, lines);
            }
        }
        return out;
    }

    /** One line per element: {@code path[attr=value,...] text}, attributes sorted, children in order. */
    static void flatten(Element e, String parent, List<String> lines) {
        String path = (parent.isEmpty() ? "" : parent + "/") + e.getLocalName();
        TreeMap<String, String> attrs = new TreeMap<>();
        for (int i = 0; i < e.getAttributes().getLength(); i++) {
            Node a = e.getAttributes().item(i);
            if (!a.getNodeName().startsWith("xmlns")) {
                attrs.put(a.getLocalName() == null ? a.getNodeName() : a.getLocalName(), a.getNodeValue());
            }
        }
        boolean hasChildElements = false;
        for (int i = 0; i < e.getChildNodes().getLength(); i++) {
            hasChildElements |= e.getChildNodes().item(i) instanceof Element;
        }
        StringBuilder sb = new StringBuilder(path);
        if (!attrs.isEmpty()) {
            sb.append('[');
            attrs.forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
            sb.setLength(sb.length() - 1);
            sb.append(']');
        }
        sb.append(' ').append(hasChildElements ? "" : e.getTextContent());
        lines.add(sb.toString());
        for (int i = 0; i < e.getChildNodes().getLength(); i++) {
            if (e.getChildNodes().item(i) instanceof Element c) {
                flatten(c, path, lines);
            }
        }
    }
}
