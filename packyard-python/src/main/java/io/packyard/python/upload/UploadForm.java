package io.packyard.python.upload;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The text fields of a legacy-API upload ({@code multipart/form-data} as twine sends it:
 * {@code :action}, {@code protocol_version}, {@code name}, {@code version}, {@code filetype},
 * {@code pyversion}, {@code metadata_version}, the digests, and the metadata fields lower-cased
 * with {@code _}), plus the file name of the {@code content} part. Repeated fields
 * ({@code classifiers}, {@code requires_dist}, ...) keep every value in order.
 */
public final class UploadForm {

    private final Map<String, List<String>> fields;
    private final String filename;

    private UploadForm(Map<String, List<String>> fields, String filename) {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        fields.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        this.fields = Collections.unmodifiableMap(copy);
        this.filename = filename;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A form from already collected fields; {@code filename} is the content part's file name. */
    public static UploadForm of(Map<String, List<String>> fields, String filename) {
        return new UploadForm(Objects.requireNonNull(fields, "fields"), filename);
    }

    /** The content part's original file name (may be null when the part had none). */
    public String filename() {
        return filename;
    }

    /** The first value of a field, stripped; empty when absent or blank. */
    public Optional<String> get(String field) {
        List<String> v = fields.get(field);
        if (v == null || v.isEmpty() || v.get(0) == null) {
            return Optional.empty();
        }
        String s = v.get(0).strip();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /** Every value of a field, in the order received. */
    public List<String> getAll(String field) {
        return fields.getOrDefault(field, List.of());
    }

    /** True when the field was sent at all (even empty). */
    public boolean has(String field) {
        return fields.containsKey(field);
    }

    /** Every field, in the order first received. */
    public Map<String, List<String>> fields() {
        return fields;
    }

    @Override
    public String toString() {
        return "UploadForm" + fields.keySet() + " " + filename;
    }

    /** Collects fields in the order received. */
    public static final class Builder {
        private final Map<String, List<String>> fields = new LinkedHashMap<>();
        private String filename;

        private Builder() {}

        /** Adds a value (call again for repeated fields). */
        public Builder field(String name, String value) {
            fields.computeIfAbsent(Objects.requireNonNull(name, "name"), k -> new ArrayList<>())
                    .add(value == null ? "" : value);
            return this;
        }

        /** The content part's original file name. */
        public Builder filename(String filename) {
            this.filename = filename;
            return this;
        }

        public UploadForm build() {
            return new UploadForm(fields, filename);
        }
    }
}
