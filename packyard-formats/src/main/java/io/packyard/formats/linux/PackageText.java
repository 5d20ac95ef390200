package io.packyard.formats.linux;

import io.packyard.bundle.BundleMetadata;
import io.packyard.python.util.Progress;

/**
 * Summary and description texts of a Linux package, with fallbacks for projects that give
 * none: package tools reject an empty or one-word synopsis and an empty long description.
 */
public final class PackageText {
    private PackageText() {}

    /** The one-line summary: [project].description, else "{product} by {company}". */
    public static String summary(BundleMetadata m) {
        String s = oneLine(m.summary());
        if (!s.isEmpty()) {
            return s;
        }
        String product = oneLine(m.product());
        String company = oneLine(m.company());
        if (product.isEmpty()) {
            return m.name();
        }
        return company.isEmpty() ? product + " application" : product + " by " + company;
    }

    /** The product's display name, else the package name. */
    public static String productName(BundleMetadata m) {
        String product = oneLine(m.product());
        return product.isEmpty() ? m.name() : product;
    }

    /** The long description as plain text: the project's, else a sentence saying what gets installed. */
    public static String description(BundleMetadata m) {
        String d = m.description().strip();
        if (!d.isEmpty()) {
            return d;
        }
        String company = oneLine(m.company());
        return productName(m) + " " + m.version() + (company.isEmpty() ? "" : " by " + company)
                + ", installed under " + m.layout().installPrefix() + (m.bundledInterpreter()
                        ? " with its own Python " + m.pythonVersion() + " runtime."
                        : " for the system's Python " + m.pythonVersion() + ".");
    }

    /** Warns about metadata that package checkers reject, before the package is written. */
    public static void warnAboutMaintainer(BundleMetadata m, Progress progress) {
        String maintainer = m.maintainer();
        if (maintainer.contains("@localhost>") || !maintainer.matches(".*<[^<>@\\s]+@[^<>@\\s]+\\.[^<>@\\s]+>\\s*")) {
            progress.warn("maintainer '" + maintainer + "' has no real e-mail address; set [project].authors or"
                    + " maintainers with an email (lintian reports bogus-mail-host)");
        }
    }

    /**
     * Re-wraps lines longer than {@code width} at spaces (existing line breaks and indentation are
     * kept; a word longer than the width, such as a URL, stays whole). rpmlint and lintian both
     * want description lines of at most 80 columns.
     */
    public static String wrap(String text, int width) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (out.length() > 0) {
                out.append('\n');
            }
            if (line.length() <= width) {
                out.append(line);
                continue;
            }
            String indent = line.replaceAll("^(\\s*).*$", "$1");
            StringBuilder current = new StringBuilder(indent);
            for (String word : line.strip().split("\\s+")) {
                if (current.length() > indent.length() && current.length() + 1 + word.length() > width) {
                    out.append(current).append('\n');
                    current = new StringBuilder(indent);
                }
                if (current.length() > indent.length()) {
                    current.append(' ');
                }
                current.append(word);
            }
            out.append(current);
        }
        return out.toString();
    }

    public static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").strip();
    }
}
