package io.packyard.bundle;

import java.util.Locale;

/**
 * Where an installed application lives on the target. On Linux:
 * {@code /opt/<company>/<product>}, logs under {@code /var/log/<company>/<product>}, configuration
 * under {@code /etc/<company>/<product>}; commands are linked into {@code /usr/bin}.
 *
 * @param companySlug the company as a path segment (lower case, no spaces)
 * @param productSlug the product as a path segment
 */
public record Layout(String companySlug, String productSlug) {

    /** Turns a display name such as "Acme Corp" into a path segment such as "acme-corp". */
    public static String slug(String displayName) {
        String s = displayName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        s = s.replaceAll("^-+|-+$", "");
        return s;
    }

    public String installPrefix() {
        return "/opt/" + companySlug + "/" + productSlug;
    }

    public String logDir() {
        return "/var/log/" + companySlug + "/" + productSlug;
    }

    public String configDir() {
        return "/etc/" + companySlug + "/" + productSlug;
    }

    /** State of the maintainer scripts (the installed PEP 440 version, for the next upgrade's hook); removed with the package. */
    public String stateDir() {
        return "/var/lib/" + companySlug + "/" + productSlug;
    }

    public String binDir() {
        return "/usr/bin";
    }
}
