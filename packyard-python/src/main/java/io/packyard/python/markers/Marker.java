package io.packyard.python.markers;

import io.packyard.python.names.ProjectName;
import io.packyard.python.version.Specifier;
import io.packyard.python.version.Version;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A PEP 508 environment marker such as {@code python_version >= "3.8" and sys_platform == "win32"}.
 *
 * <p>Grammar (as in the specification and {@code packaging}): comparisons
 * {@code var op var} where each side is a marker variable or a quoted string (single or double
 * quotes, no escapes), operators {@code ~= == != <= >= < > ===}, {@code in}, {@code not in};
 * {@code and} binds tighter than {@code or}; parentheses group. The legacy names
 * {@code os.name}, {@code sys.platform}, {@code platform.version}, {@code platform.machine},
 * {@code platform.python_implementation} and {@code python_implementation} are accepted and
 * printed in their modern form.
 *
 * <p>Evaluation follows the current "Dependency specifiers" specification (and
 * {@code packaging} 26): the version-typed variables compare by PEP 440 when both sides are
 * versions; otherwise {@code ==}, {@code <=}, {@code >=} mean equality, {@code <} and {@code >}
 * are false, {@code in} / {@code not in} test substrings, and {@code ~=} / {@code ===} raise
 * {@link InvalidMarkerException} (see {@link #evalOp}). Values compared with {@code extra} are
 * normalized as project names on both sides. {@code extra} exists only in the core-metadata
 * context ({@link #evaluate(MarkerEnvironment, String)}), {@code extras} and
 * {@code dependency_groups} only in the lock-file context ({@link #evaluateLockFile}); using
 * them elsewhere is an {@link InvalidMarkerException}.
 */
public final class Marker {

    private static final List<String> VARIABLES = List.of(
            "python_version", "python_full_version", "os_name", "sys_platform", "platform_release",
            "platform_system", "platform_version", "platform_machine", "platform_python_implementation",
            "implementation_name", "implementation_version", "extra", "extras", "dependency_groups");

    /** Variables of type "Version" (or "Version | String") in the specification's table. */
    private static final Set<String> VERSION_VARIABLES =
            Set.of("python_version", "python_full_version", "implementation_version", "platform_release");

    private static final Map<String, String> LEGACY = Map.of(
            "os.name", "os_name",
            "sys.platform", "sys_platform",
            "platform.version", "platform_version",
            "platform.machine", "platform_machine",
            "platform.python_implementation", "platform_python_implementation",
            "python_implementation", "platform_python_implementation");

    /** A node of the parsed marker. */
    private sealed interface Node permits Compare, And, Or, Group {}

    /** One side of a comparison: a variable (canonical name) or a literal string. */
    private record Operand(boolean variable, String value) {
        String serialize() {
            if (variable) {
                return value;
            }
            return value.indexOf('"') >= 0 ? "'" + value + "'" : "\"" + value + "\"";
        }
    }

    private record Compare(Operand lhs, String op, Operand rhs) implements Node {}

    private record And(List<Node> items) implements Node {}

    private record Or(List<Node> items) implements Node {}

    private record Group(Node inner) implements Node {}

    private final Node root;
    private final String text;

    private Marker(Node root) {
        this.root = root;
        this.text = format(root, true);
    }

    /**
     * Parses a marker expression.
     *
     * @throws InvalidMarkerException if the text is not a valid PEP 508 marker
     */
    public static Marker parse(String text) {
        if (text == null) {
            throw new InvalidMarkerException("invalid marker: null");
        }
        Parser p = new Parser(text);
        Node n = p.parseMarker();
        p.skipWs();
        if (!p.atEnd()) {
            throw p.error("expected 'and', 'or' or end of marker");
        }
        return new Marker(n);
    }

    /** Parses a marker, or empty if the text is not one. */
    public static Optional<Marker> tryParse(String text) {
        try {
            return Optional.of(parse(text));
        } catch (InvalidMarkerException e) {
            return Optional.empty();
        }
    }

    /** The canonical PEP 508 name for a (possibly legacy) variable name, or null if unknown. */
    static String canonicalVariable(String name) {
        if (VARIABLES.contains(name)) {
            return name;
        }
        return LEGACY.get(name);
    }

    /** Both markers must hold: {@code (this) and (other)}. */
    public Marker and(Marker other) {
        return new Marker(new And(List.of(new Group(root), new Group(other.root))));
    }

    /** Either marker holds: {@code (this) or (other)}. */
    public Marker or(Marker other) {
        return new Marker(new Or(List.of(new Group(root), new Group(other.root))));
    }

    /** Evaluates for the environment with {@code extra} set to the empty string. */
    public boolean evaluate(MarkerEnvironment env) {
        return evaluate(env, "");
    }

    /**
     * Evaluates for the environment once per extra: true if the marker holds for any of them, or,
     * when {@code extras} is empty, for {@code extra == ""}. Extras are compared normalized.
     */
    public boolean evaluate(MarkerEnvironment env, Set<String> extras) {
        if (extras == null || extras.isEmpty() || !referencesExtra()) {
            return evaluate(env, "");
        }
        for (String extra : extras) {
            if (evaluate(env, extra)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Evaluates in the core-metadata context, for the environment with {@code extra} set to one
     * value ({@code extras} and {@code dependency_groups} are undefined there).
     */
    public boolean evaluate(MarkerEnvironment env, String extra) {
        Map<String, Object> values = baseValues(env);
        values.put("extra", extra == null ? "" : ProjectName.normalize(extra));
        return eval(root, values);
    }

    /**
     * Evaluates in the lock-file context (PEP 751): {@code extras} and {@code dependency_groups}
     * are the requested sets ({@code "doc" in extras}); {@code extra} is undefined.
     */
    public boolean evaluateLockFile(MarkerEnvironment env, Set<String> extras, Set<String> dependencyGroups) {
        Map<String, Object> values = baseValues(env);
        values.put("extras", normalizedSet(extras));
        values.put("dependency_groups", normalizedSet(dependencyGroups));
        return eval(root, values);
    }

    private static Set<String> normalizedSet(Set<String> names) {
        Set<String> out = new java.util.HashSet<>();
        if (names != null) {
            for (String n : names) {
                out.add(ProjectName.normalize(n));
            }
        }
        return out;
    }

    private static Map<String, Object> baseValues(MarkerEnvironment env) {
        Objects.requireNonNull(env, "env");
        Map<String, Object> values = new java.util.HashMap<>(env.asMap());
        String full = env.pythonFullVersion();
        if (full.endsWith("+")) {
            // CPython built from a non-release commit ("3.13.0+"): as packaging does, make it a
            // valid local version
            values.put("python_full_version", full + "local");
        }
        return values;
    }

    /** True if the marker mentions the {@code extra} variable. */
    public boolean referencesExtra() {
        return !variablesReferenced().add("extra");
    }

    /** The canonical names of the variables the marker mentions. */
    public Set<String> variablesReferenced() {
        Set<String> out = new LinkedHashSet<>();
        collectVariables(root, out);
        return out;
    }

    private static void collectVariables(Node n, Set<String> out) {
        switch (n) {
            case Compare c -> {
                if (c.lhs.variable) {
                    out.add(c.lhs.value);
                }
                if (c.rhs.variable) {
                    out.add(c.rhs.value);
                }
            }
            case And a -> a.items.forEach(i -> collectVariables(i, out));
            case Or o -> o.items.forEach(i -> collectVariables(i, out));
            case Group g -> collectVariables(g.inner, out);
        }
    }

    private static boolean eval(Node n, Map<String, Object> values) {
        return switch (n) {
            case Compare c -> compare(c, values);
            case And a -> a.items.stream().allMatch(i -> eval(i, values));
            case Or o -> o.items.stream().anyMatch(i -> eval(i, values));
            case Group g -> eval(g.inner, values);
        };
    }

    private static Object value(Operand o, Map<String, Object> values) {
        if (!o.variable) {
            return o.value;
        }
        Object v = values.get(o.value);
        if (v == null) {
            throw new InvalidMarkerException("marker variable '" + o.value + "' is not defined in this context"
                    + (o.value.equals("extra") ? " (it is only defined for core metadata)"
                            : o.value.equals("extras") || o.value.equals("dependency_groups")
                                    ? " (it is only defined for lock files)" : ""));
        }
        return v;
    }

    private static boolean compare(Compare c, Map<String, Object> values) {
        Object l = value(c.lhs, values);
        Object r = value(c.rhs, values);
        String key = c.lhs.variable ? c.lhs.value : c.rhs.variable ? c.rhs.value : null;
        if (l instanceof Set<?> || r instanceof Set<?>) {
            if (!(r instanceof Set<?> set) || !(l instanceof String item)
                    || !(c.op.equals("in") || c.op.equals("not in"))) {
                throw new InvalidMarkerException("undefined marker comparison: " + c.lhs.serialize() + " " + c.op
                        + " " + c.rhs.serialize() + " (sets only support '\"name\" in set')");
            }
            boolean in = set.contains(ProjectName.normalize(item));
            return c.op.equals("in") == in;
        }
        String lhs = (String) l;
        String rhs = (String) r;
        if ("extra".equals(key)) {
            lhs = ProjectName.normalize(lhs);
            rhs = ProjectName.normalize(rhs);
        }
        return evalOp(key, lhs, c.op, rhs);
    }

    /**
     * One comparison of two string values, {@code key} being the variable involved (null if
     * none). For the version-typed variables ({@code python_version}, {@code python_full_version},
     * {@code implementation_version}, {@code platform_release}), when {@code op + rhs} is a valid
     * specifier and {@code lhs} a valid version, the PEP 440 comparison decides (pre-releases
     * allowed). Otherwise, as the specification requires: {@code ==}, {@code <=}, {@code >=} are
     * exact equality, {@code !=} inequality, {@code <} and {@code >} false, {@code in} /
     * {@code not in} substring tests, and {@code ~=} / {@code ===} an error.
     */
    static boolean evalOp(String key, String lhs, String op, String rhs) {
        if (key != null && VERSION_VARIABLES.contains(key) && !op.equals("in") && !op.equals("not in")) {
            if (op.equals("===")) {
                if (Specifier.tryParse(op + rhs).isPresent()) {
                    return lhs.strip().equalsIgnoreCase(rhs.strip());
                }
            } else {
                Optional<Specifier> spec = Specifier.tryParse(op + rhs);
                Optional<Version> v = Version.tryParse(lhs);
                if (spec.isPresent() && v.isPresent()) {
                    return spec.get().contains(v.get(), true);
                }
            }
        }
        return switch (op) {
            case "==", "<=", ">=" -> lhs.equals(rhs);
            case "!=" -> !lhs.equals(rhs);
            case "<", ">" -> false;
            case "in" -> rhs.contains(lhs);
            case "not in" -> !rhs.contains(lhs);
            default -> throw new InvalidMarkerException("undefined marker comparison: '" + lhs + "' " + op + " '"
                    + rhs + "'" + (key == null ? "" : " (" + key + ")"));
        };
    }

    private static String format(Node n, boolean top) {
        return switch (n) {
            case Compare c -> c.lhs.serialize() + " " + c.op + " " + c.rhs.serialize();
            case And a -> join(a.items, " and ");
            case Or o -> join(o.items, " or ");
            case Group g -> {
                Node inner = g.inner;
                while (inner instanceof Group gg) {
                    inner = gg.inner;
                }
                if (top || inner instanceof Compare) {
                    yield format(inner, top);
                }
                yield "(" + format(inner, false) + ")";
            }
        };
    }

    private static String join(List<Node> items, String sep) {
        List<String> parts = new ArrayList<>();
        for (Node i : items) {
            parts.add(format(i, false));
        }
        return String.join(sep, parts);
    }

    /** Normalized text: double-quoted strings, single spaces, modern variable names. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof Marker m && m.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** Recursive-descent parser over the marker text. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return pos >= s.length();
        }

        void skipWs() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
                pos++;
            }
        }

        InvalidMarkerException error(String what) {
            return new InvalidMarkerException("invalid marker '" + s + "': " + what + " at position " + (pos + 1));
        }

        private static boolean isWordChar(char c) {
            return Character.isLetterOrDigit(c) || c == '_';
        }

        /** True (and consumes it) if the keyword stands at pos as a whole word. */
        boolean keyword(String kw) {
            if (!s.startsWith(kw, pos)) {
                return false;
            }
            int end = pos + kw.length();
            if (end < s.length() && isWordChar(s.charAt(end))) {
                return false;
            }
            if (pos > 0 && isWordChar(s.charAt(pos - 1))) {
                return false;
            }
            pos = end;
            return true;
        }

        Node parseMarker() {
            List<Node> ors = new ArrayList<>();
            ors.add(parseAnd());
            while (true) {
                int save = pos;
                skipWs();
                if (keyword("or")) {
                    ors.add(parseAnd());
                } else {
                    pos = save;
                    break;
                }
            }
            return ors.size() == 1 ? ors.get(0) : new Or(List.copyOf(ors));
        }

        Node parseAnd() {
            List<Node> ands = new ArrayList<>();
            ands.add(parseAtom());
            while (true) {
                int save = pos;
                skipWs();
                if (keyword("and")) {
                    ands.add(parseAtom());
                } else {
                    pos = save;
                    break;
                }
            }
            return ands.size() == 1 ? ands.get(0) : new And(List.copyOf(ands));
        }

        Node parseAtom() {
            skipWs();
            if (pos < s.length() && s.charAt(pos) == '(') {
                pos++;
                Node inner = parseMarker();
                skipWs();
                if (pos >= s.length() || s.charAt(pos) != ')') {
                    throw error("expected ')' to close the group");
                }
                pos++;
                return new Group(inner);
            }
            Operand lhs = parseOperand();
            skipWs();
            String op = parseOp();
            skipWs();
            Operand rhs = parseOperand();
            // extra names are normalized (core metadata spec; packaging does this at parse time)
            if (lhs.variable && lhs.value.equals("extra") && !rhs.variable) {
                rhs = new Operand(false, ProjectName.normalize(rhs.value));
            } else if (rhs.variable && rhs.value.equals("extra") && !lhs.variable) {
                lhs = new Operand(false, ProjectName.normalize(lhs.value));
            }
            return new Compare(lhs, op, rhs);
        }

        Operand parseOperand() {
            if (atEnd()) {
                throw error("expected a marker variable or a quoted string, found end of marker");
            }
            char c = s.charAt(pos);
            if (c == '\'' || c == '"') {
                int end = s.indexOf(c, pos + 1);
                if (end < 0) {
                    throw error("unterminated string");
                }
                String v = s.substring(pos + 1, end);
                pos = end + 1;
                return new Operand(false, v);
            }
            int start = pos;
            while (pos < s.length() && (isWordChar(s.charAt(pos)) || s.charAt(pos) == '.')) {
                pos++;
            }
            String word = s.substring(start, pos);
            String canonical = canonicalVariable(word);
            if (canonical == null) {
                pos = start;
                throw error(word.isEmpty()
                        ? "expected a marker variable or a quoted string"
                        : "unknown marker variable '" + word + "'");
            }
            return new Operand(true, canonical);
        }

        String parseOp() {
            for (String op : List.of("===", "==", "~=", "!=", "<=", ">=", "<", ">")) {
                if (s.startsWith(op, pos)) {
                    pos += op.length();
                    return op;
                }
            }
            if (keyword("in")) {
                return "in";
            }
            int save = pos;
            if (keyword("not")) {
                int afterNot = pos;
                skipWs();
                if (pos > afterNot && keyword("in")) {
                    return "not in";
                }
                pos = save;
            }
            throw error("expected a marker operator (==, !=, <, <=, >, >=, ~=, ===, in, not in)");
        }
    }
}
