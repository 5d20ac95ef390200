package io.packyard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.server.http.Negotiation.Format;
import org.junit.jupiter.api.Test;

class NegotiationTest {

    @Test
    void choosesByQualityThenServerPreference() {
        assertThat(Negotiation.choose("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2,"
                + " text/html;q=0.01")).contains(Format.JSON);
        assertThat(Negotiation.choose("text/html")).contains(Format.HTML);
        assertThat(Negotiation.choose("application/vnd.pypi.simple.v1+html")).contains(Format.HTML_V1);
        assertThat(Negotiation.choose("application/vnd.pypi.simple.latest+json")).contains(Format.JSON);
        assertThat(Negotiation.choose("text/html;q=0.9, application/vnd.pypi.simple.v1+json;q=0.5")).contains(Format.HTML);
        assertThat(Negotiation.choose(null)).contains(Format.HTML);
        assertThat(Negotiation.choose("*/*")).contains(Format.HTML);
        assertThat(Negotiation.choose("application/*")).contains(Format.JSON);
        assertThat(Negotiation.choose("application/json")).isEmpty();
        assertThat(Negotiation.choose("application/vnd.pypi.simple.v1+json;q=0, text/html;q=0")).isEmpty();
        assertThat(Negotiation.choose("*/*, application/vnd.pypi.simple.v1+json;q=0")).contains(Format.HTML);
    }

    @Test
    void rangesAndEtags() {
        assertThat(Responses.parseRange("bytes=0-9", 100)).containsExactly(0, 9);
        assertThat(Responses.parseRange("bytes=90-", 100)).containsExactly(90, 99);
        assertThat(Responses.parseRange("bytes=-10", 100)).containsExactly(90, 99);
        assertThat(Responses.parseRange("bytes=50-500", 100)).containsExactly(50, 99);
        assertThat(Responses.parseRange("bytes=100-", 100)).isEmpty();
        assertThat(Responses.parseRange("bytes=0-1,5-6", 100)).isNull();
        assertThat(Responses.parseRange("items=0-1", 100)).isNull();
        assertThat(Responses.parseRange("bytes=9-1", 100)).isNull();
        assertThat(Responses.etagMatches("W/\"abc\"", "\"abc\"")).isTrue();
        assertThat(Responses.etagMatches("\"x\", \"abc-gz\"", "\"abc\"")).isTrue();
        assertThat(Responses.etagMatches("*", "\"abc\"")).isTrue();
        assertThat(Responses.etagMatches("\"abd\"", "\"abc\"")).isFalse();
        assertThat(Responses.acceptsGzip("gzip, deflate")).isTrue();
        assertThat(Responses.acceptsGzip("gzip;q=0")).isFalse();
        assertThat(Responses.acceptsGzip("br")).isFalse();
    }
}
