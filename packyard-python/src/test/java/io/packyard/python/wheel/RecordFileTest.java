package io.packyard.python.wheel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RecordFileTest {

    @Test
    void parsesQuotedFieldsAndBothLineEndings() {
        String text = "foo/__init__.py,sha256=abc,12\r\n"
                + "\"foo/a,b.txt\",sha256=def,3\n"
                + "\"foo/say \"\"hi\"\".txt\",sha256=ghi,4\n"
                + "foo-1.0.dist-info/RECORD,,\n";
        List<RecordFile.Entry> rows = RecordFile.parse(text);
        assertThat(rows).extracting(RecordFile.Entry::path)
                .containsExactly("foo/__init__.py", "foo/a,b.txt", "foo/say \"hi\".txt", "foo-1.0.dist-info/RECORD");
        assertThat(rows.get(0).algorithm()).contains("sha256");
        assertThat(rows.get(0).digest()).contains("abc");
        assertThat(rows.get(0).size()).hasValue(12);
        assertThat(rows.get(3).hash()).isEmpty();
        assertThat(rows.get(3).size()).isEmpty();
    }

    @Test
    void formatQuotesOnlyWhenNeededAndRoundTrips() {
        List<RecordFile.Entry> rows = List.of(
                new RecordFile.Entry("a.py", Optional.of("sha256=x"), OptionalLong.of(1)),
                new RecordFile.Entry("b,\"c\".py", Optional.of("sha256=y"), OptionalLong.of(2)),
                new RecordFile.Entry("d/RECORD", Optional.empty(), OptionalLong.empty()));
        String text = RecordFile.format(rows);
        assertThat(text).isEqualTo("a.py,sha256=x,1\n\"b,\"\"c\"\".py\",sha256=y,2\nd/RECORD,,\n");
        assertThat(RecordFile.parse(text)).isEqualTo(rows);
    }

    @Test
    void refusesMalformedRows() {
        assertThatThrownBy(() -> RecordFile.parse("a.py,sha256=x\n")).hasMessage("line 1: expected 3 fields (path,hash,size), got 2");
        assertThatThrownBy(() -> RecordFile.parse("a.py,,1\nb.py,sha256=x,big\n")).hasMessage("line 2: size of b.py is not a number: big");
        assertThatThrownBy(() -> RecordFile.parse("a.py,nohash,1\n")).hasMessageContaining("is not algorithm=digest");
        assertThatThrownBy(() -> RecordFile.parse("\"a.py,,1\n")).hasMessageContaining("unterminated quoted field");
    }

    @Test
    void sha256IsUrlsafeBase64WithoutPadding() {
        // sha256("") = e3b0c442...; urlsafe base64 without padding
        assertThat(RecordFile.sha256(new byte[0])).isEqualTo("sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    }
}
