package io.packyard.python.upload;

import java.util.Optional;

/** The two distribution types an index accepts, with the legacy upload API's {@code filetype} value. */
public enum FileType {
    BDIST_WHEEL("bdist_wheel"),
    SDIST("sdist");

    private final String formValue;

    FileType(String formValue) {
        this.formValue = formValue;
    }

    /** The {@code filetype} form value: {@code bdist_wheel} or {@code sdist}. */
    public String formValue() {
        return formValue;
    }

    /** The type for a {@code filetype} form value, if it is one of the two. */
    public static Optional<FileType> fromFormValue(String value) {
        for (FileType t : values()) {
            if (t.formValue.equals(value)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
