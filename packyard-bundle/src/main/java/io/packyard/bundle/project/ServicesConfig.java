package io.packyard.bundle.project;

import io.packyard.bundle.ConfigFile;
import io.packyard.bundle.Service;
import io.packyard.python.PackyardException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.tomlj.TomlArray;
import org.tomlj.TomlTable;

/**
 * Reads {@code [tool.packyard].config-files} and {@code [[tool.packyard.services]]} (documented in
 * docs/services.md). Everything that can be checked without the built bundle is checked here, so
 * a bad value fails with the key and its line before anything is built: unit and user names,
 * restart policies, files that must exist, environment files that systemd could not read, nginx
 * ports and locations. The pipeline checks the rest (the command exists, the static directories
 * are in the bundle).
 */
final class ServicesConfig {
    private static final Set<String> SERVICE_KEYS = Set.of("name", "description", "command", "user", "group",
            "environment-file", "working-directory", "state-directory", "restart", "nginx");
    private static final Set<String> NGINX_KEYS = Set.of("server-names", "listen", "port", "static");
    /** A unit name systemd accepts (no template instances): letters, digits, ":", "_", ".", "-". */
    private static final Pattern UNIT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");
    /** What both useradd (shadow's default rule) and Debian's adduser accept for a system user. */
    private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_-]*");
    private static final int MAX_USER_NAME = 32;
    /** The command names InstallTree accepts in /usr/bin. */
    private static final Pattern COMMAND_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*");
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.+-]*");
    private static final Pattern SERVER_NAME = Pattern.compile("_|(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(\\.\\*)?");
    private static final Pattern URL_PREFIX = Pattern.compile("/([A-Za-z0-9._~-]+/)+");
    /** A line of an environment file systemd reads: a comment, blank, or NAME=value. */
    private static final Pattern ENV_LINE = Pattern.compile("\\s*([#;].*)?|\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=.*");
    private static final Set<String> SHARED_ACCOUNTS = Set.of("nobody", "nogroup");
    /** Names the packages use themselves under the configuration and state directories. */
    private static final Set<String> RESERVED_CONFIG_NAMES = Set.of("nginx");
    private static final Set<String> RESERVED_STATE_NAMES = Set.of("installed-version", "installed-version.new");

    private ServicesConfig() {}

    /** {@code [tool.packyard].config-files}: project files installed under /etc/&lt;company&gt;/&lt;product&gt;/. */
    static List<ConfigFile> configFiles(TomlFields tool, Path dir) {
        List<ConfigFile> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (String value : tool.strings("config-files")) {
            ConfigFile f = configFile(tool, "config-files", dir, value, 0644);
            String before = seen.put(f.name(), value);
            if (before != null) {
                throw tool.error("config-files", "'" + value + "' and '" + before + "' would both be installed as "
                        + f.name());
            }
            out.add(f);
        }
        return out;
    }

    /** {@code [[tool.packyard.services]]}, checked against each other and against {@code configFiles}. */
    static List<Service> services(TomlFields tool, TomlTable rawTool, Path dir, String projectName, String product,
            List<ConfigFile> configFiles) {
        List<TomlFields> tables = tool.tables("services");
        TomlArray raw = tables.isEmpty() ? null : rawTool.getArray("services");
        List<Service> out = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<String, String> groupOfUser = new HashMap<>();
        Map<String, String> userOfStateDir = new HashMap<>();
        Map<String, ConfigFile> installed = new LinkedHashMap<>();
        for (ConfigFile f : configFiles) {
            installed.put(f.name(), f);
        }
        for (int i = 0; i < tables.size(); i++) {
            TomlFields t = tables.get(i);
            TomlTable r = raw.getTable(i);
            t.onlyKeys(SERVICE_KEYS);
            Service s = service(t, r, dir, projectName, product);
            String other = names.put(s.name(), t.tableName());
            if (other != null) {
                throw t.error("name", "'" + s.name() + "' is already the name of " + other);
            }
            String group = groupOfUser.putIfAbsent(s.user(), s.group());
            if (group != null && !group.equals(s.group())) {
                throw t.error("group", "user '" + s.user() + "' has group '" + group
                        + "' in another service; a user has one primary group");
            }
            String owner = userOfStateDir.putIfAbsent(s.stateDirectory(), s.user());
            if (owner != null && !owner.equals(s.user())) {
                throw t.error("state-directory", "'" + s.stateDirectory() + "' belongs to user '" + owner
                        + "' of another service; give this service its own state-directory");
            }
            if (s.environmentFile().isPresent()) {
                ConfigFile env = s.environmentFile().get();
                ConfigFile same = installed.putIfAbsent(env.name(), env);
                if (same != null && !same.source().equals(env.source())) {
                    throw t.error("environment-file", "would be installed as " + env.name()
                            + ", the name of another configuration file");
                }
                if (same != null && same.mode() != env.mode()) {
                    throw t.error("environment-file", env.name() + " is also in config-files; an environment file is"
                            + " installed readable by root only");
                }
            }
            out.add(s);
        }
        return out;
    }

    private static Service service(TomlFields t, TomlTable raw, Path dir, String projectName, String product) {
        String name = t.string("name").orElseThrow(() -> PackyardException.config(t.whereTable()
                + ".name: missing (the unit name, e.g. name = \"" + projectName + "\")"));
        if (!UNIT_NAME.matcher(name).matches() || name.length() > 200 || name.endsWith(".service")) {
            throw t.error("name", "'" + name + "' is not a systemd unit name (letters, digits, '_', '.', ':' and '-',"
                    + " without '.service')");
        }
        String description = t.string("description").orElse(product + " (" + name + ")");
        if (hasControl(description)) {
            throw t.error("description", "must be one line");
        }

        List<String> words = command(t, raw);
        String command = words.get(0);
        if (!COMMAND_NAME.matcher(command).matches()) {
            throw t.error("command", "'" + command + "' is not a command name: the command line must start with one of"
                    + " the application's commands or console scripts, without a directory");
        }

        String user = t.string("user").orElse(name);
        if (!t.has("user") && !validUser(user)) {
            throw t.error("name", "'" + name + "' cannot be a user name; set user = \"...\" (lower-case letters,"
                    + " digits, '_' and '-', starting with a letter or '_', at most 32 characters)");
        }
        checkAccount(t, "user", user);
        String group = t.string("group").orElse(user);
        checkAccount(t, "group", group);
        if (user.equals("root") && !group.equals("root")) {
            throw t.error("group", "a service that runs as root runs with group root");
        }

        Optional<ConfigFile> env = t.string("environment-file").map(v -> {
            ConfigFile f = configFile(t, "environment-file", dir, v, 0600);
            checkEnvironmentFile(t, v, f.source());
            return f;
        });

        String state = t.string("state-directory").orElse(name);
        checkRelative(t, "state-directory", state);
        if (RESERVED_STATE_NAMES.contains(state.split("/")[0])) {
            throw t.error("state-directory", "'" + state + "' is used by the packages themselves");
        }

        Optional<String> workdir = t.string("working-directory");
        workdir.ifPresent(w -> {
            if (!w.startsWith("/") || hasControl(w) || w.contains("//") || w.contains("%")
                    || List.of(w.split("/")).contains("..") || List.of(w.split("/")).contains(".")) {
                throw t.error("working-directory", "'" + w + "' is not an absolute, normalized path");
            }
        });

        String restart = t.string("restart").orElse("on-failure");
        if (!Service.RESTART_POLICIES.contains(restart)) {
            throw t.error("restart", "'" + restart + "' is not a systemd restart policy ("
                    + String.join(", ", Service.RESTART_POLICIES) + ")");
        }

        Optional<Service.NginxSite> nginx = t.table("nginx").map(n -> nginx(n, raw.getTable("nginx")));
        return new Service(name, description, command, words.subList(1, words.size()), user, group, env, state,
                workdir, restart, nginx, "", t.where("command"));
    }

    /** The command line: a string split like a shell does (quotes, backslashes), or an array of words. */
    private static List<String> command(TomlFields t, TomlTable raw) {
        Object v = raw.get("command");
        if (v == null) {
            throw PackyardException.config(t.whereTable() + ".command: missing (the command line, e.g."
                    + " command = \"notes-web serve --port 8000\")");
        }
        List<String> words;
        if (v instanceof String s) {
            words = split(t, s);
        } else if (v instanceof TomlArray) {
            words = t.strings("command");
        } else {
            throw t.error("command", "expected a string or an array of strings");
        }
        if (words.isEmpty() || words.get(0).isEmpty()) {
            throw t.error("command", "names no command");
        }
        for (String w : words) {
            if (hasControl(w)) {
                throw t.error("command", "arguments cannot contain line breaks or control characters");
            }
        }
        return words;
    }

    /** Splits a command line into words: white space separates, '...' and "..." quote, \ escapes. */
    static List<String> split(TomlFields t, String line) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'' || c == '"') {
                int end = line.indexOf(c, i + 1);
                if (c == '"') {
                    end = i + 1;
                    while (end < line.length() && line.charAt(end) != '"') {
                        if (line.charAt(end) == '\\' && end + 1 < line.length()
                                && (line.charAt(end + 1) == '"' || line.charAt(end + 1) == '\\')) {
                            end++;
                        }
                        end++;
                    }
                    if (end >= line.length()) {
                        end = -1;
                    }
                }
                if (end < 0) {
                    throw t.error("command", "unclosed " + c + " in '" + line + "'");
                }
                String quoted = line.substring(i + 1, end);
                word.append(c == '"' ? quoted.replaceAll("\\\\([\"\\\\])", "$1") : quoted);
                inWord = true;
                i = end;
            } else if (c == '\\') {
                if (i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                }
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    private static boolean validUser(String user) {
        return USER_NAME.matcher(user).matches() && user.length() <= MAX_USER_NAME;
    }

    private static void checkAccount(TomlFields t, String key, String value) {
        if (!validUser(value)) {
            throw t.error(key, "'" + value + "' is not a valid " + key + " name (lower-case letters, digits, '_' and"
                    + " '-', starting with a letter or '_', at most 32 characters, as useradd and adduser accept)");
        }
        if (SHARED_ACCOUNTS.contains(value)) {
            throw t.error(key, "'" + value + "' is shared by unrelated programs; give the service its own " + key);
        }
    }

    private static void checkRelative(TomlFields t, String key, String value) {
        String[] segments = value.split("/", -1);
        for (String s : segments) {
            if (!SEGMENT.matcher(s).matches()) {
                throw t.error(key, "'" + value + "' is not a relative path of simple names (letters, digits, '_',"
                        + " '.', '+' and '-')");
            }
        }
    }

    private static ConfigFile configFile(TomlFields t, String key, Path dir, String value, int mode) {
        Path p = dir.resolve(value).normalize();
        if (!Files.isRegularFile(p)) {
            throw t.error(key, value + ": no such file");
        }
        String name = p.getFileName().toString();
        if (!FILE_NAME.matcher(name).matches()) {
            throw t.error(key, value + ": '" + name + "' is not a usable file name under /etc (letters, digits, '_',"
                    + " '.', '+' and '-')");
        }
        if (RESERVED_CONFIG_NAMES.contains(name)) {
            throw t.error(key, value + ": '" + name + "' is the directory of the nginx sites; rename the file");
        }
        return new ConfigFile(name, p.toAbsolutePath(), mode, t.where(key));
    }

    /** systemd reads NAME=value lines, comments and blank lines; anything else is ignored with a warning at start. */
    private static void checkEnvironmentFile(TomlFields t, String value, Path file) {
        List<String> lines;
        try {
            String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            lines = List.of(text.split("\n", -1));
        } catch (CharacterCodingException e) {
            throw t.error("environment-file", value + ": not UTF-8 text");
        } catch (IOException e) {
            throw t.error("environment-file", value + ": cannot read: " + e.getMessage());
        }
        boolean continued = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!continued && line.strip().matches("export\\s+[A-Za-z_][A-Za-z0-9_]*\\s*=.*")) {
                throw t.error("environment-file", value + ":" + (i + 1) + ": systemd does not read 'export NAME=value'"
                        + " lines; write NAME=value");
            }
            if (!continued && !ENV_LINE.matcher(line).matches()) {
                throw t.error("environment-file", value + ":" + (i + 1) + ": not a NAME=value line, a comment or"
                        + " blank: '" + line.strip() + "'");
            }
            continued = !line.strip().startsWith("#") && !line.strip().startsWith(";") && line.endsWith("\\");
        }
    }

    private static Service.NginxSite nginx(TomlFields n, TomlTable raw) {
        n.onlyKeys(NGINX_KEYS);
        List<String> serverNames = n.strings("server-names");
        if (serverNames.isEmpty()) {
            throw PackyardException.config(n.whereTable() + ".server-names: missing (the host names the site answers,"
                    + " e.g. server-names = [\"notes.example.org\"])");
        }
        for (String s : serverNames) {
            if (!SERVER_NAME.matcher(s).matches()) {
                throw n.error("server-names", "'" + s + "' is not a host name nginx can match");
            }
        }
        int listen = port(n, raw, "listen").orElse(80);
        int port = port(n, raw, "port").orElseThrow(() -> PackyardException.config(n.whereTable()
                + ".port: missing (the port the service listens on at 127.0.0.1)"));
        Map<String, String> statics = new LinkedHashMap<>(n.stringMap("static"));
        for (Map.Entry<String, String> e : statics.entrySet()) {
            if (!URL_PREFIX.matcher(e.getKey()).matches()) {
                throw n.error("static", "'" + e.getKey() + "' is not a URL prefix such as /static/ (starting and ending"
                        + " with /, of letters, digits, '.', '_', '~' and '-')");
            }
            checkRelative(n, "static", e.getValue());
        }
        return new Service.NginxSite(serverNames, listen, port, statics, n.where("static"));
    }

    private static Optional<Integer> port(TomlFields n, TomlTable raw, String key) {
        Object v = raw.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Long l) || l < 1 || l > 65535) {
            throw n.error(key, "expected a port number from 1 to 65535");
        }
        return Optional.of(l.intValue());
    }

    private static boolean hasControl(String s) {
        return s.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }
}
