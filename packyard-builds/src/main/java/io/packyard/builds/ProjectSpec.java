package io.packyard.builds;

import io.packyard.python.PackyardException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What {@link BuildService#saveProject} stores for a build project, builder-style:
 *
 * <pre>{@code
 * ProjectSpec.builder("hello-cli")
 *         .git("https://git.example.org/hello-cli.git", "main")
 *         .followRefs("main,refs/tags/v*").webhookSecret(secret)
 *         .targets("linux-x86_64").formats("deb", "tar.gz").buildArgs("--python", "host:3.11")
 *         .smokeCommand("hello --version")
 *         .publishTo("apps", "stable")
 *         .publishToIndex("apps")                                  // a hosted index of this server
 *         .publishToUpstream("https://upload.pypi.org/legacy/", "/etc/packyard/pypi-token")
 *         .build();
 * }</pre>
 */
public record ProjectSpec(
        String name,
        Optional<String> gitUrl,
        Optional<String> gitRef,
        Optional<String> followRefs,
        Optional<String> webhookSecret,
        List<String> targets,
        List<String> formats,
        List<String> buildArgs,
        Optional<String> smokeCommand,
        Optional<String> publishRepo,
        Optional<String> publishChannel,
        Optional<String> scheduleCron,
        int maxConcurrent,
        int timeLimitSeconds,
        int diskLimitMb,
        Optional<String> publishIndex,
        Optional<String> publishIndexUrl,
        Optional<String> publishIndexTokenFile) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Pattern TARGET = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    public ProjectSpec {
        if (!NAME.matcher(name).matches()) {
            throw PackyardException.config("project name '" + name
                    + "': expected lower-case letters, digits, '.', '_' or '-' (at most 100)");
        }
        if (targets.isEmpty()) {
            throw PackyardException.config("project " + name + ": targets: at least one target is needed");
        }
        for (String t : targets) {
            if (!TARGET.matcher(t).matches() || t.equals(io.packyard.builds.model.Step.SERVER_QUEUE)) {
                throw PackyardException.config("project " + name + ": targets: '" + t + "' is not a target name");
            }
        }
        if (formats.isEmpty()) {
            throw PackyardException.config("project " + name + ": formats: at least one format is needed");
        }
        if (maxConcurrent < 1 || timeLimitSeconds < 1 || diskLimitMb < 1) {
            throw PackyardException.config("project " + name + ": limits must be positive");
        }
        if (publishRepo.isPresent() != publishChannel.isPresent()) {
            throw PackyardException.config("project " + name + ": publish needs both a repository and a channel");
        }
        if (publishIndexUrl.isPresent() != publishIndexTokenFile.isPresent()) {
            throw PackyardException.config("project " + name
                    + ": publish_index_url needs publish_index_token_file (a file on the server holding the token), and back");
        }
        if (publishIndexUrl.isPresent()) {
            String u = publishIndexUrl.get();
            if (!u.startsWith("https://") && !u.startsWith("http://")) {
                throw PackyardException.config("project " + name + ": publish_index_url: '" + u
                        + "' is not an http(s) URL");
            }
        }
        if (publishIndexTokenFile.isPresent() && !publishIndexTokenFile.get().startsWith("/")) {
            throw PackyardException.config("project " + name + ": publish_index_token_file: '"
                    + publishIndexTokenFile.get() + "' is not an absolute path on the server");
        }
        targets = List.copyOf(targets);
        formats = List.copyOf(formats);
        buildArgs = List.copyOf(buildArgs);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Builds a {@link ProjectSpec}; defaults: target linux-x86_64, formats deb and tar.gz, 2 at a time, 1 h, 10 GiB. */
    public static final class Builder {
        private final String name;
        private String gitUrl;
        private String gitRef;
        private String followRefs;
        private String webhookSecret;
        private List<String> targets = List.of("linux-x86_64");
        private List<String> formats = List.of("deb", "tar.gz");
        private final List<String> buildArgs = new ArrayList<>();
        private String smokeCommand;
        private String publishRepo;
        private String publishChannel;
        private String scheduleCron;
        private int maxConcurrent = 2;
        private int timeLimitSeconds = 3600;
        private int diskLimitMb = 10240;
        private String publishIndex;
        private String publishIndexUrl;
        private String publishIndexTokenFile;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        public Builder git(String url, String ref) {
            this.gitUrl = url;
            this.gitRef = ref;
            return this;
        }

        public Builder followRefs(String patterns) {
            this.followRefs = patterns;
            return this;
        }

        public Builder webhookSecret(String secret) {
            this.webhookSecret = secret;
            return this;
        }

        public Builder targets(String... targets) {
            this.targets = List.of(targets);
            return this;
        }

        public Builder formats(String... formats) {
            this.formats = List.of(formats);
            return this;
        }

        public Builder buildArgs(String... args) {
            this.buildArgs.addAll(List.of(args));
            return this;
        }

        public Builder smokeCommand(String command) {
            this.smokeCommand = command;
            return this;
        }

        public Builder publishTo(String repository, String channel) {
            this.publishRepo = repository;
            this.publishChannel = channel;
            return this;
        }

        /** Publishes the build's wheel and sdist to this hosted index of the server. */
        public Builder publishToIndex(String index) {
            this.publishIndex = index;
            return this;
        }

        /**
         * Publishes the build's wheel and sdist to an upstream index with twine's upload protocol;
         * the API token is read from {@code tokenFile} on the server when the step runs.
         */
        public Builder publishToUpstream(String uploadUrl, String tokenFile) {
            this.publishIndexUrl = uploadUrl;
            this.publishIndexTokenFile = tokenFile;
            return this;
        }

        public Builder schedule(String cron) {
            this.scheduleCron = cron;
            return this;
        }

        public Builder maxConcurrent(int n) {
            this.maxConcurrent = n;
            return this;
        }

        public Builder timeLimitSeconds(int seconds) {
            this.timeLimitSeconds = seconds;
            return this;
        }

        public Builder diskLimitMb(int mb) {
            this.diskLimitMb = mb;
            return this;
        }

        public ProjectSpec build() {
            return new ProjectSpec(name, Optional.ofNullable(gitUrl), Optional.ofNullable(gitRef),
                    Optional.ofNullable(followRefs), Optional.ofNullable(webhookSecret), targets, formats, buildArgs,
                    Optional.ofNullable(smokeCommand), Optional.ofNullable(publishRepo),
                    Optional.ofNullable(publishChannel), Optional.ofNullable(scheduleCron), maxConcurrent,
                    timeLimitSeconds, diskLimitMb, Optional.ofNullable(publishIndex),
                    Optional.ofNullable(publishIndexUrl), Optional.ofNullable(publishIndexTokenFile));
        }
    }
}
