package io.packyard.python.resolve;

import io.packyard.python.PackyardException;
import io.packyard.python.tags.SupportedTags;
import io.packyard.python.tags.Tag;
import io.packyard.python.wheel.WheelFilename;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Chooses among wheels of one version for a target: the best (lowest) tag rank in the target's
 * preference list, then the highest build tag (as pip does).
 */
public final class WheelRanking {

    /** How many of the target's tags error messages list. */
    static final int TAGS_SHOWN = 5;
    /** How many available files error messages list. */
    static final int FILES_SHOWN = 6;

    private WheelRanking() {}

    /** A wheel that fits the target, with its parsed name and rank (0 = most preferred tag). */
    public record Ranked<T>(T item, WheelFilename filename, int rank) {}

    /** Orders fitting wheels best first: lower rank, then higher build tag. */
    public static <T> Comparator<Ranked<T>> bestFirst() {
        return Comparator.<Ranked<T>>comparingInt(Ranked::rank)
                .thenComparing((a, b) -> WheelFilename.compareBuildTags(b.filename().buildTag(), a.filename().buildTag()));
    }

    /** The rank of a wheel for the target, or empty when none of its tags fits (or the name is not a wheel's). */
    public static <T> Optional<Ranked<T>> rank(T item, String filename, SupportedTags tags) {
        WheelFilename wf;
        try {
            wf = WheelFilename.parse(filename);
        } catch (PackyardException e) {
            return Optional.empty();
        }
        OptionalInt r = tags.bestRank(wf.tags());
        return r.isPresent() ? Optional.of(new Ranked<>(item, wf, r.getAsInt())) : Optional.empty();
    }

    /** The best fitting wheel among items, by {@link #bestFirst()}. */
    public static <T> Optional<Ranked<T>> best(Collection<T> items, Function<T, String> filename, SupportedTags tags) {
        List<Ranked<T>> fitting = new ArrayList<>();
        for (T item : items) {
            rank(item, filename.apply(item), tags).ifPresent(fitting::add);
        }
        return fitting.stream().min(bestFirst());
    }

    /** The target's most preferred tags, for "tried ..." in messages: {@code a, b, c, ... (412 tags)}. */
    public static String triedTags(SupportedTags tags) {
        List<Tag> all = tags.tags();
        String head = all.stream().limit(TAGS_SHOWN).map(Tag::toString).collect(Collectors.joining(", "));
        return all.size() > TAGS_SHOWN ? head + ", ... (" + all.size() + " tags)" : head;
    }

    /** A few file names for "available: ..." in messages. */
    public static String someFiles(List<String> filenames) {
        String head = filenames.stream().limit(FILES_SHOWN).collect(Collectors.joining(", "));
        return filenames.size() > FILES_SHOWN ? head + ", ... (" + filenames.size() + " files)" : head;
    }
}
