package io.packyard.python.util;

/**
 * Progress of long work (downloads, compression, staging). Implementations print to a terminal,
 * to a build log, or nowhere.
 */
public interface Progress {

    /** A new phase of work starts, for example "Downloading cpython-3.12.7". */
    void step(String message);

    /** Within the current phase, {@code done} of {@code total} units (bytes, files) are finished; total may be -1 if unknown. */
    void advance(long done, long total);

    /** A warning worth the user's attention, one line. */
    default void warn(String message) {
        step("warning: " + message);
    }

    /** A progress that passes only the warnings on, to {@code warnings}: for work whose steps nobody watches. */
    static Progress warningsTo(java.util.function.Consumer<String> warnings) {
        return new Progress() {
            @Override
            public void step(String message) {}

            @Override
            public void advance(long done, long total) {}

            @Override
            public void warn(String message) {
                warnings.accept(message);
            }
        };
    }

    Progress NONE = new Progress() {
        @Override
        public void step(String message) {}

        @Override
        public void advance(long done, long total) {}

        @Override
        public void warn(String message) {}
    };
}
