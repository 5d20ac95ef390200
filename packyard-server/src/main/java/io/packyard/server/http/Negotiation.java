package io.packyard.server.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Content negotiation of the simple API (PEP 691): the client's {@code Accept} header chooses
 * between JSON and HTML. Highest quality wins; on equal quality the server prefers JSON, then the
 * versioned HTML type, then {@code text/html}. No {@code Accept} header, or a wildcard only, gets
 * {@code text/html} (what every PEP 503 client understands). Nothing acceptable: empty (406).
 */
public final class Negotiation {

    /** The formats of a simple API page. */
    public enum Format {
        JSON("application/vnd.pypi.simple.v1+json"),
        HTML_V1("application/vnd.pypi.simple.v1+html"),
        HTML("text/html");

        private final String mediaType;

        Format(String mediaType) {
            this.mediaType = mediaType;
        }

        public String mediaType() {
            return mediaType;
        }

        /** The Content-Type header value. */
        public String contentType() {
            return this == JSON ? mediaType : mediaType + "; charset=utf-8";
        }

        public boolean isHtml() {
            return this != JSON;
        }
    }

    /** The types this server offers, for a 406 message. */
    public static final String OFFERED = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, text/html";

    private record Range(String type, String subtype, double q, int order) {}

    private Negotiation() {}

    public static Optional<Format> choose(String accept) {
        if (accept == null || accept.isBlank()) {
            return Optional.of(Format.HTML);
        }
        List<Range> ranges = parse(accept);
        if (ranges.isEmpty()) {
            return Optional.of(Format.HTML);
        }
        Format best = null;
        double bestQ = 0;
        boolean explicitBest = false;
        for (Format f : new Format[] {Format.JSON, Format.HTML_V1, Format.HTML}) {
            Match m = quality(f, ranges);
            if (m.q <= 0) {
                continue;
            }
            // prefer a higher quality; on a tie prefer a type the client named over one a wildcard matched
            if (best == null || m.q > bestQ || (m.q == bestQ && m.explicit && !explicitBest)) {
                best = f;
                bestQ = m.q;
                explicitBest = m.explicit;
            }
        }
        if (best != null && !explicitBest) {
            // only wildcards matched: serve the plain HTML every client understands
            Match html = quality(Format.HTML, ranges);
            if (html.q == bestQ) {
                best = Format.HTML;
            }
        }
        return Optional.ofNullable(best);
    }

    private record Match(double q, boolean explicit) {}

    /** The quality the client gives a format: the most specific matching range decides (RFC 9110 12.5.1). */
    private static Match quality(Format f, List<Range> ranges) {
        String[] ts = f.mediaType().split("/");
        String[] alias = switch (f) {
            case JSON -> new String[] {"application", "vnd.pypi.simple.latest+json"};
            case HTML_V1 -> new String[] {"application", "vnd.pypi.simple.latest+html"};
            case HTML -> null;
        };
        int bestSpecificity = -1;
        double q = 0;
        for (Range r : ranges) {
            int spec;
            if (r.type.equals(ts[0]) && r.subtype.equals(ts[1])
                    || alias != null && r.type.equals(alias[0]) && r.subtype.equals(alias[1])) {
                spec = 2;
            } else if (r.type.equals(ts[0]) && r.subtype.equals("*")) {
                spec = 1;
            } else if (r.type.equals("*") && r.subtype.equals("*")) {
                spec = 0;
            } else {
                continue;
            }
            if (spec > bestSpecificity) {
                bestSpecificity = spec;
                q = r.q;
            }
        }
        return new Match(q, bestSpecificity == 2);
    }

    private static List<Range> parse(String accept) {
        List<Range> out = new ArrayList<>();
        int order = 0;
        for (String item : accept.split(",")) {
            String[] parts = item.split(";");
            String mt = parts[0].strip().toLowerCase(Locale.ROOT);
            int slash = mt.indexOf('/');
            if (slash <= 0 || slash == mt.length() - 1) {
                continue;
            }
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                if (p.toLowerCase(Locale.ROOT).startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2).strip());
                    } catch (NumberFormatException e) {
                        q = 0;
                    }
                }
            }
            q = Math.max(0, Math.min(1, q));
            out.add(new Range(mt.substring(0, slash), mt.substring(slash + 1), q, order++));
        }
        return out;
    }
}
