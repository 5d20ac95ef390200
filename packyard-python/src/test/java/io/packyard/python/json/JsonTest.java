package io.packyard.python.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.json.Json.JsonException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesValuesAndEscapes() {
        Object v = Json.parse("{\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\\\"\"], \"b\": {}}");
        assertThat(v).isEqualTo(Map.of("a", Arrays.asList(new BigDecimal("1"),
                new BigDecimal("-2.5e3"), true, false, null, "x\u00e9\n\""), "b", Map.of()));
        assertThat(Json.parse(" \uFEFF [\"\\/\\b\\f\\r\\t\\\\\", \"\\ud83d\\ude00\"] ")).isEqualTo(
                List.of("/\b\f\r\t\\", "\uD83D\uDE00"));
        assertThat(Json.parse("[0, -0, 0.5, 1E+2, 10e-1]")).isEqualTo(List.of(new BigDecimal("0"),
                new BigDecimal("-0"), new BigDecimal("0.5"), new BigDecimal("1E+2"), new BigDecimal("10e-1")));
    }

    @Test
    void objectsKeepTheirKeyOrder() {
        Object v = Json.parse("{\"z\": 1, \"a\": 2, \"m\": 3}");
        assertThat(v).isInstanceOf(LinkedHashMap.class);
        assertThat(((Map<?, ?>) v).keySet()).map(Object::toString).containsExactly("z", "a", "m");
    }

    @Test
    void rejectsMalformedTextNamingLineAndColumn() {
        assertThatThrownBy(() -> Json.parse("{\"a\": }")).isInstanceOf(JsonException.class)
                .hasMessage("invalid JSON at line 1 column 7: unexpected character '}'");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("after the JSON value");
        assertThatThrownBy(() -> Json.parse("{\n  \"a\": 1\n  \"b\": 2}"))
                .hasMessage("invalid JSON at line 3 column 3: expected ',' or '}'");
        assertThatThrownBy(() -> Json.parse("[1 2]")).hasMessage("invalid JSON at line 1 column 4: expected ',' or ']'");
        assertThatThrownBy(() -> Json.parse("")).hasMessageEndingWith("unexpected end of input");
        assertThatThrownBy(() -> Json.parse("{\"a\" 1}")).hasMessageEndingWith("expected ':'");
        assertThatThrownBy(() -> Json.parse("{1: 2}")).hasMessageEndingWith("expected a string key");
        assertThatThrownBy(() -> Json.parse("[tru]")).hasMessageEndingWith("expected true");
        assertThatThrownBy(() -> Json.parse("\"abc")).hasMessageEndingWith("unterminated string");
        assertThatThrownBy(() -> Json.parse("\"a\tb\"")).hasMessageEndingWith("control character in a string");
        assertThatThrownBy(() -> Json.parse("\"\\x\"")).hasMessageEndingWith("bad escape '\\x'");
        assertThatThrownBy(() -> Json.parse("\"\\u12g4\"")).hasMessageEndingWith("bad \\u escape");
        assertThatThrownBy(() -> Json.parse("\"\\u12")).hasMessageEndingWith("short \\u escape");
        assertThatThrownBy(() -> Json.parse("[1,]")).hasMessageEndingWith("unexpected character ']'");
        assertThatThrownBy(() -> Json.parse("[1")).hasMessageEndingWith("unexpected end of input in an array");
        assertThatThrownBy(() -> Json.parse("{\"a\":1")).hasMessageEndingWith("unexpected end of input in an object");
    }

    @Test
    void numbersFollowTheRfcGrammar() {
        for (String bad : List.of("01", "1.", "-", "-.5", "1e", "1e+", "+1", "1.e5", "2-3", "1e99999999999")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(JsonException.class);
        }
    }

    @Test
    void rejectsDeepNesting() {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertThat(Json.parse(ok)).isInstanceOf(List.class);
        String deep = "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1);
        assertThatThrownBy(() -> Json.parse(deep)).hasMessageEndingWith("nested too deeply");
    }

    @Test
    void parseObjectLabelsItsErrors() {
        assertThat(Json.parseObject("{\"a\": 1}", "index.json")).containsEntry("a", new BigDecimal("1"));
        assertThatThrownBy(() -> Json.parseObject("[]", "index.json")).isInstanceOf(JsonException.class)
                .hasMessage("index.json: expected a JSON object");
        assertThatThrownBy(() -> Json.parseObject("{", "index.json"))
                .hasMessageStartingWith("index.json: invalid JSON at line 1 column 2: ");
    }

    @Test
    void typedAccessNamesTheMissingKey() {
        Map<String, Object> m = Json.parseObject("{\"o\": {}, \"a\": [], \"s\": \"x\", \"n\": 1}", "manifest");
        assertThat(Json.object(m, "o", "manifest")).isEmpty();
        assertThat(Json.array(m, "a", "manifest")).isEmpty();
        assertThat(Json.string(m, "s", "manifest")).isEqualTo("x");
        assertThatThrownBy(() -> Json.object(m, "a", "manifest"))
                .hasMessage("manifest: \"a\" is missing or not an object");
        assertThatThrownBy(() -> Json.array(m, "missing", "manifest"))
                .hasMessage("manifest: \"missing\" is missing or not an array");
        assertThatThrownBy(() -> Json.string(m, "n", "manifest"))
                .hasMessage("manifest: \"n\" is missing or not a string");
    }

    @Test
    void writesCompactJsonInTheGivenOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", List.of(1, 2L, new BigDecimal("1.50"), BigInteger.TEN, 0.25));
        m.put("a", null);
        m.put("t", true);
        m.put("nested", new TreeMap<>(Map.of("b", "2", "a", "1")));
        assertThat(Json.write(m)).isEqualTo(
                "{\"z\":[1,2,1.50,10,0.25],\"a\":null,\"t\":true,\"nested\":{\"a\":\"1\",\"b\":\"2\"}}");
        assertThat(Json.write("q\"\\\n\r\t\b\f\u0001\u2028\u2029é"))
                .isEqualTo("\"q\\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u2028\\u2029é\"");
        assertThatThrownBy(() -> Json.write(Double.NaN)).hasMessageContaining("not a JSON number");
        assertThatThrownBy(() -> Json.write(new Object())).hasMessageContaining("cannot write java.lang.Object");
    }

    @Test
    void writtenTextReadsBackToTheSameValue() {
        Object v = Json.parse("{\"k\": [\"\\u0000\\u001f\\\"\\\\ \\u2028\", -1.5e-7, {\"x\": [null, false]}], \"e\": \"\"}");
        assertThat(Json.parse(Json.write(v))).isEqualTo(v);
        assertThat(Json.write(Json.parse(Json.write(v)))).isEqualTo(Json.write(v));
    }
}
