package io.packyard.builds.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.packyard.builds.webhook.GitHubWebhook.PushEvent;
import io.packyard.python.PackyardException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GitHubWebhookTest {

    private static final String AFTER = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
    private static final String BEFORE = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

    /** A push payload shaped like GitHub's documented one (trimmed of fields we do not read, but with many we ignore). */
    private static String push(String ref, String before, String after, boolean created, boolean deleted) {
        return """
                {
                  "ref": "%s",
                  "before": "%s",
                  "after": "%s",
                  "created": %s,
                  "deleted": %s,
                  "forced": false,
                  "base_ref": null,
                  "compare": "https://git.example.org/octo-org/hello-py/compare/6113728f27ae...0d1a26e67d8f",
                  "commits": [
                    {
                      "id": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                      "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
                      "distinct": true,
                      "message": "Update README.md\\n\\nWith a \\"quoted\\" word and ünïcödé",
                      "timestamp": "2024-05-01T15:35:46+02:00",
                      "url": "https://git.example.org/octo-org/hello-py/commit/0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                      "author": {"name": "Mona Lisa", "email": "mona@example.com", "username": "octocat"},
                      "committer": {"name": "GitHub", "email": "noreply@git.example.org", "username": "web-flow"},
                      "added": [], "removed": [], "modified": ["README.md"]
                    }
                  ],
                  "head_commit": null,
                  "repository": {
                    "id": 35129377,
                    "node_id": "MDEwOlJlcG9zaXRvcnkzNTEyOTM3Nw==",
                    "name": "hello-py",
                    "full_name": "octo-org/hello-py",
                    "private": false,
                    "owner": {"name": "octo-org", "login": "octo-org", "id": 6811672, "type": "Organization"},
                    "html_url": "https://git.example.org/octo-org/hello-py",
                    "description": "",
                    "fork": false,
                    "url": "https://git.example.org/octo-org/hello-py",
                    "git_url": "git://git.example.org/octo-org/hello-py.git",
                    "ssh_url": "git@git.example.org:octo-org/hello-py.git",
                    "clone_url": "https://git.example.org/octo-org/hello-py.git",
                    "svn_url": "https://git.example.org/octo-org/hello-py",
                    "size": 0,
                    "stargazers_count": 0,
                    "default_branch": "main",
                    "master_branch": "main",
                    "created_at": 1430869212,
                    "pushed_at": 1430869217
                  },
                  "pusher": {"name": "octocat", "email": "mona@example.com"},
                  "sender": {"login": "octocat", "id": 583231, "type": "User", "site_admin": false}
                }
                """.formatted(ref, before, after, created, deleted);
    }

    private static String sign(byte[] body, String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void signatureFromGitHubDocsExample() {
        // The example in GitHub's "Validating webhook deliveries" documentation.
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        String header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assertThat(GitHubWebhook.signatureValid(body, header, "It's a Secret to Everybody")).isTrue();
        assertThat(GitHubWebhook.signatureValid(body, header.toUpperCase().replace("SHA256=", "sha256="), "It's a Secret to Everybody")).isTrue();
        assertThat(GitHubWebhook.signatureValid(body, header, "It's a secret to everybody")).isFalse();
        assertThat(GitHubWebhook.signatureValid("Hello, World?".getBytes(StandardCharsets.UTF_8), header, "It's a Secret to Everybody")).isFalse();
    }

    @Test
    void signatureOfARealPayload() throws Exception {
        byte[] body = push("refs/heads/main", BEFORE, AFTER, false, false).getBytes(StandardCharsets.UTF_8);
        String header = sign(body, "s3cr3t");
        assertThat(GitHubWebhook.signatureValid(body, header, "s3cr3t")).isTrue();
        byte[] tampered = body.clone();
        tampered[10] ^= 1;
        assertThat(GitHubWebhook.signatureValid(tampered, header, "s3cr3t")).isFalse();
        // one digit of the digest changed
        char last = header.charAt(header.length() - 1);
        String wrong = header.substring(0, header.length() - 1) + (last == '0' ? '1' : '0');
        assertThat(GitHubWebhook.signatureValid(body, wrong, "s3cr3t")).isFalse();
    }

    @ParameterizedTest(name = "[{index}] header ''{0}''")
    @CsvSource(nullValues = "NULL", value = {
        "NULL",
        "''",
        "sha256=",
        "sha1=757107ea0eb2509fc211221cce984b8a37570b6d",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e177",
        "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    })
    void malformedHeadersAreInvalid(String header) {
        byte[] body = "Hello, World!".getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubWebhook.signatureValid(body, header, "It's a Secret to Everybody")).isFalse();
    }

    @Test
    void missingSecretIsNeverValid() throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubWebhook.signatureValid(body, sign(body, "x"), null)).isFalse();
        assertThat(GitHubWebhook.signatureValid(body, sign(body, "x"), "")).isFalse();
    }

    @Test
    void branchPush() {
        Optional<PushEvent> e = GitHubWebhook.parse("push", push("refs/heads/main", BEFORE, AFTER, false, false).getBytes(StandardCharsets.UTF_8));
        assertThat(e).contains(new PushEvent(java.util.List.of(
                "https://git.example.org/octo-org/hello-py.git",
                "git@git.example.org:octo-org/hello-py.git",
                "git://git.example.org/octo-org/hello-py.git",
                "https://git.example.org/octo-org/hello-py"), "refs/heads/main", AFTER, false));
    }

    @Test
    void tagPushIncludingCreation() {
        PushEvent e = GitHubWebhook.parse("push",
                push("refs/tags/v1.2.0", "0000000000000000000000000000000000000000", AFTER, true, false)
                        .getBytes(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(e.tag()).isTrue();
        assertThat(e.ref()).isEqualTo("refs/tags/v1.2.0");
        assertThat(e.commit()).isEqualTo(AFTER);
    }

    @Test
    void deletionsAreIgnored() {
        byte[] body = push("refs/heads/feature", BEFORE, "0000000000000000000000000000000000000000", false, true)
                .getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubWebhook.parse("push", body)).isEmpty();
    }

    @Test
    void pingAndOtherEventsAreIgnored() {
        byte[] ping = """
                {"zen": "Keep it logically awesome.", "hook_id": 1, "hook": {"type": "Repository", "events": ["push"]},
                 "repository": {"clone_url": "https://git.example.org/octo-org/hello-py.git"}}
                """.getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubWebhook.parse("ping", ping)).isEmpty();
        assertThat(GitHubWebhook.parse("pull_request", ping)).isEmpty();
        assertThat(GitHubWebhook.parse(null, ping)).isEmpty();
    }

    @Test
    void malformedJsonIsAConfigError() {
        assertThatThrownBy(() -> GitHubWebhook.parse("push", "{\"ref\": \"refs/heads/main\",\n \"after\": ".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PackyardException.class)
                .hasMessageStartingWith("github webhook push: invalid JSON at line 2")
                .hasMessageNotContaining("\n")
                .satisfies(t -> assertThat(((PackyardException) t).kind()).isEqualTo(PackyardException.Kind.CONFIG));
        assertThatThrownBy(() -> GitHubWebhook.parse("push", "[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PackyardException.class)
                .hasMessage("github webhook push: expected a JSON object");
    }

    @Test
    void missingFieldsAreConfigErrors() {
        assertThatThrownBy(() -> GitHubWebhook.parse("push", ("{\"after\": \"" + AFTER + "\", \"repository\": {}}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PackyardException.class)
                .hasMessage("github webhook push: \"ref\" is missing or not a string");
        assertThatThrownBy(() -> GitHubWebhook.parse("push", ("{\"ref\": \"refs/heads/x\", \"after\": \"" + AFTER + "\"}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PackyardException.class)
                .hasMessage("github webhook push: \"repository\" is missing or not an object");
        assertThatThrownBy(() -> GitHubWebhook.parse("push", ("{\"ref\": \"refs/heads/x\", \"after\": \"" + AFTER + "\", \"repository\": {}}").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PackyardException.class)
                .hasMessage("github webhook push: \"repository\" has no URL");
        assertThatThrownBy(() -> GitHubWebhook.parse("push", "{\"ref\": \"refs/heads/x\", \"after\": \"nope\", \"repository\": {\"url\": \"u\"}}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(PackyardException.class)
                .hasMessage("github webhook push: \"after\" is not a commit id: nope");
    }

    @ParameterizedTest(name = "[{index}] {0} ~ {1} = {2}")
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            refs/heads/main          | main                          | true
            refs/heads/main          | refs/heads/main               | true
            refs/heads/main          | ' develop , main '            | true
            refs/heads/main          | develop                       | false
            refs/heads/mainline      | main                          | false
            refs/tags/main           | main                          | false
            refs/tags/v1.0           | refs/heads/main,refs/tags/v*  | true
            refs/tags/v1.0           | v*                            | false
            refs/heads/v1            | v*                            | true
            refs/heads/release/1.x   | release/*                     | true
            refs/heads/release/1/x   | release/*                     | false
            refs/heads/release/1/x   | release/**                    | true
            refs/heads/release       | release/**                    | false
            refs/heads/a/b/c/main    | **/main                       | true
            refs/heads/main          | **/main                       | true
            refs/heads/xmain         | **/main                       | false
            refs/tags/v1.0           | refs/tags/**                  | true
            refs/tags/v1.0           | refs/**                       | true
            refs/tags/v1.0           | *                             | false
            refs/heads/feature       | *                             | true
            refs/heads/feat/x        | *                             | false
            refs/heads/v1            | v?                            | true
            refs/heads/v10           | v?                            | false
            refs/heads/a+b(c)        | a+b(c)                        | true
            refs/heads/aab           | a+b                           | false
            refs/heads/main          | ''                            | false
            refs/heads/main          | ' , '                         | false
            refs/heads/main          | NULL                          | false
            """)
    void refMatches(String ref, String patterns, boolean expected) {
        assertThat(GitHubWebhook.refMatches(ref, patterns)).isEqualTo(expected);
    }
}
