package io.packyard.repository.yum;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one YUM/DNF repository.
 *
 * @param signPackages re-sign each published .rpm with the repository key (when there is a key),
 *     so {@code gpgcheck=1} works with the same key file as {@code repo_gpgcheck=1}
 * @param changelogLimit changelog entries per package in other.xml (createrepo_c's default: 10;
 *     -1 for all)
 * @param keepGenerations superseded repodata files are kept until this many newer generations
 *     exist ...
 * @param keepFor ... and at least this long (both must pass), so a client that fetched the
 *     previous repomd.xml can still fetch what it names
 */
public record YumOptions(boolean signPackages, int changelogLimit, int keepGenerations, Duration keepFor) {
    public YumOptions {
        Objects.requireNonNull(keepFor, "keepFor");
        if (changelogLimit < -1) {
            throw new IllegalArgumentException("changelogLimit must be -1 (all) or more");
        }
        if (keepGenerations < 1 || keepFor.isNegative()) {
            throw new IllegalArgumentException("keepGenerations must be at least 1 and keepFor not negative");
        }
    }

    /** Sign packages, 10 changelog entries, old repodata kept for 3 generations and 1 day. */
    public static YumOptions defaults() {
        return new YumOptions(true, 10, 3, Duration.ofDays(1));
    }

    public YumOptions withSignPackages(boolean sign) {
        return new YumOptions(sign, changelogLimit, keepGenerations, keepFor);
    }

    public YumOptions withRetention(int generations, Duration keep) {
        return new YumOptions(signPackages, changelogLimit, generations, keep);
    }
}
