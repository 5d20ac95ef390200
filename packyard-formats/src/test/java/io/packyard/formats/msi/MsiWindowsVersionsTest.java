package io.packyard.formats.msi;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.WindowsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MsiWindowsVersionsTest {

    /** A machine: what Windows Installer would see. */
    private record Machine(String name, String windows, int productType, Integer build) {}

    private static final List<Machine> MACHINES = List.of(
            new Machine("Windows 10 1507", "10", 1, 10240),
            new Machine("Windows 10 22H2", "10", 1, 19045),
            new Machine("Windows 11 21H2", "11", 1, 22000),
            new Machine("Windows 11 24H2", "11", 1, 26100),
            new Machine("Windows Server 2016", "server-2016", 3, 14393),
            new Machine("Windows Server 2016 DC", "server-2016", 2, 14393),
            new Machine("Windows Server 2019", "server-2019", 3, 17763),
            new Machine("Windows Server 2022", "server-2022", 3, 20348),
            new Machine("Windows Server 2025", "server-2025", 3, 26100),
            new Machine("a future server", "server-2025", 3, 30000),
            new Machine("Windows 8.1", null, 1, 9600),
            new Machine("Windows Server 2012 R2", null, 3, 9600),
            new Machine("no build number", null, 1, null));

    @Test
    void everyCombinationFitsTheColumnAndAcceptsExactlyTheListedVersions() {
        List<String> known = WindowsOptions.KNOWN_WINDOWS;
        for (int mask = 1; mask < (1 << known.size()); mask++) {
            List<String> listed = new ArrayList<>();
            for (int i = 0; i < known.size(); i++) {
                if ((mask & (1 << i)) != 0) {
                    listed.add(known.get(i));
                }
            }
            String condition = MsiWindowsVersions.condition(listed);
            assertThat(condition.length()).as(condition).isLessThanOrEqualTo(255);
            for (Machine m : MACHINES) {
                boolean expected = m.windows() != null && listed.contains(m.windows());
                Map<String, Integer> props = new java.util.HashMap<>();
                props.put("MsiNTProductType", m.productType());
                if (m.build() != null) {
                    props.put(MsiWindowsVersions.BUILD_PROPERTY, m.build());
                }
                assertThat(new Evaluator(condition, props).evaluate())
                        .as("%s on %s: %s", listed, m.name(), condition).isEqualTo(expected);
                props.put("Installed", 1);
                assertThat(new Evaluator(condition, props).evaluate()).as("installed product: %s", condition).isTrue();
            }
        }
    }

    @Test
    void adjacentVersionsMergeIntoOneRange() {
        assertThat(MsiWindowsVersions.condition(List.of("10", "11")))
                .isEqualTo("Installed OR (MsiNTProductType=1 AND PACKYARD_OSBUILD>=10240)");
        assertThat(MsiWindowsVersions.condition(List.of("server-2019", "server-2022")))
                .isEqualTo("Installed OR (MsiNTProductType<>1 AND PACKYARD_OSBUILD>=17763 AND PACKYARD_OSBUILD<26100)");
        assertThat(MsiWindowsVersions.describe(List.of("server-2022", "10", "11")))
                .isEqualTo("Windows 10, Windows 11 or Windows Server 2022");
    }

    /**
     * Evaluates the subset of Windows Installer's condition syntax the launch condition uses:
     * OR, AND, parentheses, a bare property (true when set), and {@code PROPERTY op integer}
     * (an unset property compared with an integer is false, as in Windows Installer).
     */
    private static final class Evaluator {
        private static final Pattern TOKEN = Pattern.compile("\\s*(\\(|\\)|<>|>=|<=|=|<|>|[A-Za-z_][A-Za-z0-9_]*|[0-9]+)");
        private final List<String> tokens = new ArrayList<>();
        private final Map<String, Integer> props;
        private int pos;

        Evaluator(String condition, Map<String, Integer> props) {
            this.props = props;
            Matcher m = TOKEN.matcher(condition);
            int at = 0;
            while (at < condition.length()) {
                if (!m.find(at) || m.start() != at) {
                    throw new IllegalArgumentException("cannot tokenize at " + at + ": " + condition);
                }
                tokens.add(m.group(1));
                at = m.end();
            }
        }

        boolean evaluate() {
            boolean v = or();
            if (pos != tokens.size()) {
                throw new IllegalArgumentException("trailing tokens: " + tokens.subList(pos, tokens.size()));
            }
            return v;
        }

        private boolean or() {
            boolean v = and();
            while (pos < tokens.size() && tokens.get(pos).equals("OR")) {
                pos++;
                v |= and();
            }
            return v;
        }

        private boolean and() {
            boolean v = term();
            while (pos < tokens.size() && tokens.get(pos).equals("AND")) {
                pos++;
                v &= term();
            }
            return v;
        }

        private boolean term() {
            String t = tokens.get(pos++);
            if (t.equals("(")) {
                boolean v = or();
                if (!tokens.get(pos++).equals(")")) {
                    throw new IllegalArgumentException("expected )");
                }
                return v;
            }
            Integer value = props.get(t);
            if (pos < tokens.size() && List.of("=", "<>", "<", ">", "<=", ">=").contains(tokens.get(pos))) {
                String op = tokens.get(pos++);
                int n = Integer.parseInt(tokens.get(pos++));
                if (value == null) {
                    return op.equals("<>");
                }
                return switch (op) {
                    case "=" -> value == n;
                    case "<>" -> value != n;
                    case "<" -> value < n;
                    case ">" -> value > n;
                    case "<=" -> value <= n;
                    default -> value >= n;
                };
            }
            return value != null;
        }
    }
}
