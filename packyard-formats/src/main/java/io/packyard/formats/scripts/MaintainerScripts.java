package io.packyard.formats.scripts;

import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Layout;
import io.packyard.formats.linux.InstallTree;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The maintainer scripts of the .deb and .rpm packages: POSIX sh, {@code set -e}, one shared set
 * of functions with a small per-format dispatch on the package manager's arguments.
 *
 * <h2>What they do</h2>
 *
 * <ul>
 *   <li><b>After install</b> (deb {@code postinst configure}, rpm {@code %post}): create
 *       {@link Layout#logDir()} (0755) and {@code install.log} (0640), then run the post-install
 *       hook as {@code <prefix>/<hook> ACTION PREVIOUS_VERSION} with its stdout and stderr appended
 *       to {@code install.log} after a timestamped header line. ACTION is {@code install} (no
 *       version was installed), {@code upgrade} (PREVIOUS_VERSION is the PEP 440 version that was
 *       installed; a reinstall of the same version and a downgrade are upgrades too) or
 *       {@code reconfigure} ({@code dpkg-reconfigure}; PREVIOUS_VERSION is the installed
 *       version). For {@code install} PREVIOUS_VERSION is the empty string. A failing hook fails
 *       the installation with a message that points at install.log; the version is recorded
 *       only after the hook succeeded, so a retry ({@code dpkg --configure -a}) runs the same
 *       action again.
 *   <li><b>Before removal</b> (deb {@code prerm remove}, rpm {@code %preun} with {@code $1 == 0}):
 *       run the pre-uninstall hook as {@code <prefix>/<hook> remove VERSION}, logging the same
 *       way. Only a real removal runs it, never the removal of the old version during an
 *       upgrade. A failing pre-uninstall hook is reported but does not stop the removal: a
 *       package that cannot be removed is worse than a skipped clean-up.
 *   <li><b>After removal</b>: deb {@code postrm remove} forgets the installed version and keeps
 *       the logs; deb {@code postrm purge} deletes the log and state directories. rpm has no
 *       purge, so {@code %postun} with {@code $1 == 0} does both. Company directories
 *       ({@code /var/log/<company>}, {@code /var/lib/<company>}) are removed when empty.
 * </ul>
 *
 * <p>The previously installed version comes from {@code <stateDir>/installed-version}, which
 * each post-install writes and which is not a packaged file, so it survives the file
 * replacement of an upgrade (with dpkg the new postinst runs after the old files are gone; with
 * rpm the new %post runs before the old %postun). The package managers' own arguments carry
 * Debian/RPM versions, not PEP 440 ones, and dpkg passes the old version even after a removal
 * that kept configuration files, which is why the state file decides.
 *
 * <p>Every hook is skipped when the environment variable {@code NO_CUSTOM_ACTIONS} is
 * {@code 1}; the skip is written to install.log. Hooks run as root with {@code /} as working
 * directory and {@code /dev/null} as stdin, so they cannot block on a prompt.
 */
public final class MaintainerScripts {
    private final String packageName;
    private final Layout layout;
    private final String version;
    private final String postInstallHook;
    private final String preUninstallHook;
    /** Prepended to every absolute path; empty except in tests that run the scripts in a sandbox. */
    private final String root;

    private MaintainerScripts(BundleMetadata m, String packageName, String root) {
        this.packageName = packageName;
        this.root = root;
        this.layout = InstallTree.checkedLayout(m);
        this.version = m.version();
        this.postInstallHook = m.postInstallHook() == null ? "" : m.postInstallHook();
        this.preUninstallHook = m.preUninstallHook() == null ? "" : m.preUninstallHook();
    }

    /**
     * The scripts for a bundle.
     *
     * @param packageName the package name, used in messages
     */
    public static MaintainerScripts of(BundleMetadata metadata, String packageName) {
        return new MaintainerScripts(metadata, packageName, "");
    }

    /** Scripts whose every path lies under {@code root}, to run them without root privileges in tests. */
    static MaintainerScripts sandboxed(BundleMetadata metadata, String packageName, String root) {
        return new MaintainerScripts(metadata, packageName, root);
    }

    /** Debian {@code postinst}. */
    public String debPostinst() {
        return header("postinst", Part.INSTALL) + """
                case "$1" in
                    configure)
                        if [ "${DEBCONF_RECONFIGURE:-}" = 1 ]; then
                            packyard_post_install reconfigure
                        else
                            packyard_post_install configure
                        fi
                        ;;
                    reconfigure)
                        packyard_post_install reconfigure
                        ;;
                    abort-upgrade | abort-remove | abort-deconfigure)
                        ;;
                    *)
                        echo "postinst called with unknown argument '$1'" >&2
                        exit 1
                        ;;
                esac

                exit 0
                """;
    }

    /** Debian {@code prerm}. */
    public String debPrerm() {
        return header("prerm", Part.UNINSTALL) + """
                case "$1" in
                    remove)
                        packyard_pre_uninstall
                        ;;
                    upgrade | deconfigure | failed-upgrade)
                        ;;
                    *)
                        echo "prerm called with unknown argument '$1'" >&2
                        exit 1
                        ;;
                esac

                exit 0
                """;
    }

    /** Debian {@code postrm}. */
    public String debPostrm() {
        return header("postrm", Part.CLEAN) + """
                case "$1" in
                    remove)
                        packyard_forget_version
                        ;;
                    purge)
                        packyard_forget_version
                        packyard_purge
                        ;;
                    upgrade | failed-upgrade | abort-install | abort-upgrade | disappear)
                        ;;
                    *)
                        echo "postrm called with unknown argument '$1'" >&2
                        exit 1
                        ;;
                esac

                exit 0
                """;
    }

    /** RPM {@code %post}; {@code $1} is the number of versions installed after this step. */
    public String rpmPost() {
        return header("%post", Part.INSTALL) + """
                packyard_post_install configure

                exit 0
                """;
    }

    /** RPM {@code %preun}; {@code $1} is 0 on a real removal, 1 when an upgrade removes the old version. */
    public String rpmPreun() {
        return header("%preun", Part.UNINSTALL) + """
                if [ "$1" = 0 ]; then
                    packyard_pre_uninstall
                fi

                exit 0
                """;
    }

    /** RPM {@code %postun}; rpm has no purge, so a real removal also deletes logs and state. */
    public String rpmPostun() {
        return header("%postun", Part.CLEAN) + """
                if [ "$1" = 0 ]; then
                    packyard_forget_version
                    packyard_purge
                fi

                exit 0
                """;
    }

    /** What each script needs: the installing side, the removing side, the cleaning side. */
    private enum Part {
        INSTALL(List.of("PACKAGE", "VERSION", "PREFIX", "LOG_DIR", "STATE_DIR", "POST_INSTALL_HOOK"),
                List.of(LOG, ENSURE_LOG, RUN_HOOK, POST_INSTALL)),
        UNINSTALL(List.of("PACKAGE", "VERSION", "PREFIX", "LOG_DIR", "PRE_UNINSTALL_HOOK"),
                List.of(LOG, ENSURE_LOG, RUN_HOOK, PRE_UNINSTALL)),
        CLEAN(List.of("LOG_DIR", "STATE_DIR"), List.of(FORGET_VERSION, PURGE));

        final List<String> variables;
        final List<String> functions;

        Part(List<String> variables, List<String> functions) {
            this.variables = variables;
            this.functions = functions;
        }
    }

    private String header(String what, Part part) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("PACKAGE", packageName);
        values.put("VERSION", version);
        values.put("PREFIX", root + layout.installPrefix());
        values.put("LOG_DIR", root + layout.logDir());
        values.put("STATE_DIR", root + layout.stateDir());
        values.put("POST_INSTALL_HOOK", postInstallHook);
        values.put("PRE_UNINSTALL_HOOK", preUninstallHook);
        StringBuilder s = new StringBuilder();
        s.append("#!/bin/sh\n");
        s.append("# ").append(what).append(" of ").append(packageName).append(", generated by Packyard.\n");
        s.append("set -e\n\n");
        for (String v : part.variables) {
            s.append(v).append('=').append(quote(values.get(v))).append('\n');
        }
        for (String f : part.functions) {
            s.append('\n').append(f);
        }
        return s.append('\n').toString();
    }

    private static final String LOG = """
            packyard_log() {
                printf '%s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOG_DIR/install.log"
            }
            """;

    private static final String ENSURE_LOG = """
            packyard_ensure_log() {
                mkdir -p "$LOG_DIR"
                chmod 0755 "$LOG_DIR"
                if [ ! -e "$LOG_DIR/install.log" ]; then
                    (umask 027 && : >>"$LOG_DIR/install.log")
                fi
            }
            """;

    private static final String RUN_HOOK = """
            # packyard_run_hook HOOK ARG...: runs a hook launcher of the bundle, output to install.log.
            packyard_run_hook() {
                hook=$1
                shift
                if [ "${NO_CUSTOM_ACTIONS:-}" = 1 ]; then
                    packyard_log "custom actions skipped (NO_CUSTOM_ACTIONS=1): $hook $*"
                    return 0
                fi
                packyard_log "running $PREFIX/$hook $*"
                status=0
                (cd / && exec "$PREFIX/$hook" "$@") </dev/null >>"$LOG_DIR/install.log" 2>&1 || status=$?
                packyard_log "$hook exited with status $status"
                return "$status"
            }
            """;

    private static final String POST_INSTALL = """
            # packyard_post_install configure|reconfigure
            packyard_post_install() {
                packyard_ensure_log
                previous=
                if [ -f "$STATE_DIR/installed-version" ]; then
                    previous=$(cat "$STATE_DIR/installed-version")
                fi
                if [ "$1" = reconfigure ]; then
                    action=reconfigure
                elif [ -n "$previous" ]; then
                    action=upgrade
                else
                    action=install
                fi
                packyard_log "$PACKAGE $VERSION: $action (previous version: ${previous:-none})"
                if [ -n "$POST_INSTALL_HOOK" ]; then
                    if ! packyard_run_hook "$POST_INSTALL_HOOK" "$action" "$previous"; then
                        echo "$PACKAGE: the post-install hook failed; see $LOG_DIR/install.log" >&2
                        echo "$PACKAGE: set NO_CUSTOM_ACTIONS=1 to skip it" >&2
                        exit 1
                    fi
                fi
                mkdir -p "$STATE_DIR"
                printf '%s\\n' "$VERSION" >"$STATE_DIR/installed-version.new"
                mv -f "$STATE_DIR/installed-version.new" "$STATE_DIR/installed-version"
            }
            """;

    private static final String PRE_UNINSTALL = """
            packyard_pre_uninstall() {
                packyard_ensure_log
                packyard_log "$PACKAGE $VERSION: remove"
                if [ -n "$PRE_UNINSTALL_HOOK" ]; then
                    if ! packyard_run_hook "$PRE_UNINSTALL_HOOK" remove "$VERSION"; then
                        echo "$PACKAGE: warning: the pre-uninstall hook failed, removing anyway;" \\
                            "see $LOG_DIR/install.log" >&2
                    fi
                fi
            }
            """;

    private static final String FORGET_VERSION = """
            packyard_forget_version() {
                rm -f "$STATE_DIR/installed-version" "$STATE_DIR/installed-version.new"
                rmdir "$STATE_DIR" 2>/dev/null || true
                rmdir "${STATE_DIR%/*}" 2>/dev/null || true
            }
            """;

    private static final String PURGE = """
            packyard_purge() {
                rm -rf "$LOG_DIR" "$STATE_DIR"
                rmdir "${LOG_DIR%/*}" 2>/dev/null || true
                rmdir "${STATE_DIR%/*}" 2>/dev/null || true
            }
            """;

    /** Quotes a value for POSIX sh: single quotes, with embedded ones closed, escaped, reopened. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
