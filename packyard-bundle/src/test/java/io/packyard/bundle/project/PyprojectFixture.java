package io.packyard.bundle.project;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.python.PackyardException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * A pyproject.toml in {@code dir}: a fixed {@code head} (the [project] table and the start of
 * [tool.packyard]) followed by each test's tail, loaded as a {@link Project}.
 */
record PyprojectFixture(Path dir, String head) {

    /** Writes {@code head + tail} as dir/pyproject.toml and loads the project. */
    Project load(String tail) throws Exception {
        Files.writeString(dir.resolve("pyproject.toml"), head + tail);
        return Project.load(dir);
    }

    /** Loading {@code head + tail} fails with a configuration error whose message ends with "/" + message. */
    void fails(String tail, String message) {
        configError(() -> load(tail)).hasMessageEndingWith("/" + message);
    }

    /** {@code call} throws a {@link PackyardException} of kind CONFIG; the message is for the caller to assert. */
    static AbstractThrowableAssert<?, ? extends Throwable> configError(ThrowingCallable call) {
        return assertThatThrownBy(call).isInstanceOf(PackyardException.class)
                .satisfies(e -> assertThat(((PackyardException) e).kind()).isEqualTo(PackyardException.Kind.CONFIG));
    }
}
