package io.packyard.msi.db;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * The summary information stream ({@code \005SummaryInformation}) of a package: the properties
 * msiexec reads before it opens the database (platform and languages, package code, schema,
 * source-image flags, elevation) and that Explorer shows.
 *
 * <p>Obtained from {@link MsiDatabase#summary()}; the setters return {@code this}. A package needs at
 * least {@link #template(String)} and {@link #packageCode(UUID)}; {@link MsiDatabase#write} refuses
 * to write without them. Times are written only when set, normally from SOURCE_DATE_EPOCH via
 * {@link #timestamp(Instant)}, so output is reproducible.
 *
 * <p>Property ids and types (Windows Installer SDK, "Summary Information Stream Property Set"):
 * Codepage 1 (VT_I2), Title 2, Subject 3, Author 4, Keywords 5, Comments 6, Template 7, Last Saved By
 * 8, Revision Number 9 (all VT_LPSTR), Create Time 12, Last Save Time 13 (VT_FILETIME), Page Count 14,
 * Word Count 15 (VT_I4), Creating Application 18 (VT_LPSTR), Security 19 (VT_I4).
 */
public final class SummaryInfo {

    /** Word Count bit: short file names only (unset: long file names). */
    public static final int WORDCOUNT_SHORT_NAMES = 1;
    /** Word Count bit: files are compressed in cabinets by default. */
    public static final int WORDCOUNT_COMPRESSED = 2;
    /** Word Count bit: an administrative image. */
    public static final int WORDCOUNT_ADMIN_IMAGE = 4;
    /** Word Count bit: no elevation (UAC prompt) needed: the package installs per user. */
    public static final int WORDCOUNT_NO_ELEVATION = 8;

    /** Security: no restriction. */
    public static final int SECURITY_NONE = 0;
    /** Security: read-only recommended (what tools write for installation packages). */
    public static final int SECURITY_READ_ONLY_RECOMMENDED = 2;
    /** Security: read-only enforced. */
    public static final int SECURITY_READ_ONLY_ENFORCED = 4;

    private int codepage;
    private String title;
    private String subject;
    private String author;
    private String keywords;
    private String comments;
    private String template;
    private String lastSavedBy;
    private String revisionNumber;
    private Instant createTime;
    private Instant lastSaveTime;
    private int pageCount = 500;
    private int wordCount = WORDCOUNT_COMPRESSED;
    private String creatingApplication = "Packyard";
    private int security = SECURITY_READ_ONLY_RECOMMENDED;

    SummaryInfo(int codepage) {
        this.codepage = codepage;
    }

    /**
     * The code page of the summary strings (property 1), 1252 unless set. Independent of the
     * database code page; strings here must be representable in it.
     */
    public SummaryInfo codepage(int codepage) {
        MsiDatabase.charsetFor(codepage); // validates
        this.codepage = codepage;
        return this;
    }

    /** Title (2): "Installation Database" for a package. */
    public SummaryInfo title(String s) {
        this.title = s;
        return this;
    }

    /** Subject (3): the product name. */
    public SummaryInfo subject(String s) {
        this.subject = s;
        return this;
    }

    /** Author (4): the manufacturer. */
    public SummaryInfo author(String s) {
        this.author = s;
        return this;
    }

    /** Keywords (5): e.g. "Installer,MSI,Database". */
    public SummaryInfo keywords(String s) {
        this.keywords = s;
        return this;
    }

    /** Comments (6): a description of the product. */
    public SummaryInfo comments(String s) {
        this.comments = s;
        return this;
    }

    /**
     * Template (7): {@code platform;languages}, e.g. {@code x64;1033}, {@code Intel;1033},
     * {@code Arm64;1033}. Required.
     */
    public SummaryInfo template(String s) {
        this.template = s;
        return this;
    }

    /** Last Saved By (8). */
    public SummaryInfo lastSavedBy(String s) {
        this.lastSavedBy = s;
        return this;
    }

    /** Revision Number (9) as a raw string; for a package, use {@link #packageCode(UUID)}. */
    public SummaryInfo revisionNumber(String s) {
        this.revisionNumber = s;
        return this;
    }

    /** Revision Number (9) = the package code, written as {@code {XXXXXXXX-...}} in upper case. Required. */
    public SummaryInfo packageCode(UUID code) {
        this.revisionNumber = "{" + code.toString().toUpperCase(Locale.ROOT) + "}";
        return this;
    }

    /** Create Time (12) and Last Save Time (13) both, e.g. from SOURCE_DATE_EPOCH. */
    public SummaryInfo timestamp(Instant t) {
        this.createTime = t;
        this.lastSaveTime = t;
        return this;
    }

    /** Create Time (12). */
    public SummaryInfo createTime(Instant t) {
        this.createTime = t;
        return this;
    }

    /** Last Save Time (13). */
    public SummaryInfo lastSaveTime(Instant t) {
        this.lastSaveTime = t;
        return this;
    }

    /**
     * Page Count (14): the minimum installer version needed, as the schema number: 200 for x64
     * packages, 500 (the default) for Windows Installer 5 features such as MsiLockPermissionsEx and
     * per-user/per-machine dual-purpose packages.
     */
    public SummaryInfo pageCount(int schema) {
        this.pageCount = schema;
        return this;
    }

    /** Word Count (15): the WORDCOUNT_* bits; default {@link #WORDCOUNT_COMPRESSED} (long names, compressed). */
    public SummaryInfo wordCount(int bits) {
        this.wordCount = bits;
        return this;
    }

    /** Creating Application (18); default "Packyard". */
    public SummaryInfo creatingApplication(String s) {
        this.creatingApplication = s;
        return this;
    }

    /** Security (19): one of the SECURITY_* values; default {@link #SECURITY_READ_ONLY_RECOMMENDED}. */
    public SummaryInfo security(int value) {
        this.security = value;
        return this;
    }

    public int codepage() {
        return codepage;
    }

    public String title() {
        return title;
    }

    public String subject() {
        return subject;
    }

    public String author() {
        return author;
    }

    public String keywords() {
        return keywords;
    }

    public String comments() {
        return comments;
    }

    public String template() {
        return template;
    }

    public String lastSavedBy() {
        return lastSavedBy;
    }

    public String revisionNumber() {
        return revisionNumber;
    }

    public Instant createTime() {
        return createTime;
    }

    public Instant lastSaveTime() {
        return lastSaveTime;
    }

    public int pageCount() {
        return pageCount;
    }

    public int wordCount() {
        return wordCount;
    }

    public String creatingApplication() {
        return creatingApplication;
    }

    public int security() {
        return security;
    }

    /** Throws IllegalStateException if a required property is missing. */
    void checkComplete() {
        if (template == null || template.isEmpty()) {
            throw new IllegalStateException("summary information: Template (property 7) not set, e.g. \"x64;1033\"");
        }
        if (!template.contains(";")) {
            throw new IllegalStateException("summary information: Template '" + template + "' must be platform;languages, e.g. \"x64;1033\"");
        }
        if (revisionNumber == null || revisionNumber.isEmpty()) {
            throw new IllegalStateException("summary information: Revision Number (the package code, property 9) not set");
        }
        Objects.requireNonNull(creatingApplication);
    }
}
