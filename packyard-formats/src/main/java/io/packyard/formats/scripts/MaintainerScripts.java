package io.packyard.formats.scripts;

import io.packyard.bundle.BundleMetadata;
import io.packyard.bundle.Layout;
import io.packyard.bundle.Service;
import io.packyard.formats.linux.InstallTree;
import io.packyard.formats.services.ServiceFiles;
import java.util.ArrayList;
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
 * <h2>Services</h2>
 *
 * <p>With {@code [[tool.packyard.services]]} the scripts also manage systemd units the way
 * Debian's dh_installsystemd (in its {@code --no-restart-after-upgrade} mode) and Fedora's
 * %systemd_* macros do, with one difference on RPM upgrades: the services are stopped before the
 * new files arrive (%pre) and restarted after the post-install hook (%post), so that no service
 * runs a mix of two versions' Python files and the hook migrates data while nothing writes to it.
 *
 * <ul>
 *   <li>Accounts: each non-root user and its group are created when missing (deb: {@code addgroup
 *       --system}, {@code adduser --system} in postinst; rpm: {@code groupadd -r},
 *       {@code useradd -r} in %pre). They are never deleted: files they own may outlive the
 *       package, and a reused uid would inherit them (Debian's practice).
 *   <li>State directories ({@code /var/lib/<company>/<product>/<state-directory>}) are created
 *       before the post-install hook and handed to the service's user after it, files the hook
 *       created included.
 *   <li>Install: deb enables with {@code deb-systemd-helper} whether systemd runs or not (it
 *       only writes symlinks), rpm runs {@code systemctl preset} (the package's preset enables
 *       the units; an administrator's preset wins). Where systemd runs
 *       ({@code /run/systemd/system} exists), the manager is reloaded and the enabled units are
 *       started ({@code deb-systemd-invoke}, which also honours policy-rc.d).
 *   <li>Upgrade: deb {@code prerm upgrade} (rpm %pre of the new version) stops the units; the new
 *       postinst (%post) restarts them after the hook.
 *   <li>Removal: the units are stopped (and rpm disables them) before the pre-uninstall hook; deb
 *       {@code postrm remove} reloads systemd and masks the units' leftover enablement
 *       ({@code deb-systemd-helper mask}), {@code postrm purge} forgets it.
 * </ul>
 *
 * <p>Where systemd does not run (a container, a chroot, an image build) nothing is started or
 * stopped and nothing fails. A unit that fails to start is reported on stderr and in install.log
 * but does not fail the installation (the package is installed; the service's problem is in its
 * journal), as with debhelper.
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
    private final List<Service> services;
    private final List<ServiceFiles.Account> accounts;

    private MaintainerScripts(BundleMetadata m, String packageName, String root) {
        this.packageName = packageName;
        this.root = root;
        this.layout = InstallTree.checkedLayout(m);
        this.version = m.version();
        this.postInstallHook = m.postInstallHook() == null ? "" : m.postInstallHook();
        this.preUninstallHook = m.preUninstallHook() == null ? "" : m.preUninstallHook();
        this.services = m.services();
        this.accounts = ServiceFiles.accounts(m);
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
        StringBuilder b = new StringBuilder(header("postinst", Part.INSTALL, Flavor.DEB));
        b.append("case \"$1\" in\n");
        b.append("    configure)\n");
        beforeHook(b);
        b.append("        if [ \"${DEBCONF_RECONFIGURE:-}\" = 1 ]; then\n");
        b.append("            packyard_post_install reconfigure\n");
        b.append("        else\n");
        b.append("            packyard_post_install configure\n");
        b.append("        fi\n");
        afterHook(b);
        b.append("        ;;\n");
        b.append("    reconfigure)\n");
        beforeHook(b);
        b.append("        packyard_post_install reconfigure\n");
        afterHook(b);
        b.append("        ;;\n");
        b.append("    abort-upgrade | abort-remove | abort-deconfigure)\n");
        if (hasServices()) {
            // the failed upgrade or removal stopped the services: start the old version's again
            b.append("        packyard_enable_services\n");
            b.append("        packyard_start_services \"$2\"\n");
        }
        b.append("        ;;\n");
        return b.append("""
                    *)
                        echo "postinst called with unknown argument '$1'" >&2
                        exit 1
                        ;;
                esac

                exit 0
                """).toString();
    }

    private void beforeHook(StringBuilder b) {
        if (!accounts.isEmpty()) {
            b.append("        packyard_create_users\n");
        }
        if (hasServices()) {
            b.append("        packyard_make_state_dirs\n");
        }
    }

    private void afterHook(StringBuilder b) {
        if (hasServices()) {
            if (!accounts.isEmpty()) {
                b.append("        packyard_own_state_dirs\n");
            }
            b.append("        packyard_enable_services\n");
            b.append("        packyard_start_services \"$2\"\n");
        }
    }

    /** Debian {@code prerm}. */
    public String debPrerm() {
        String stop = hasServices() ? "        packyard_stop_services\n" : "";
        return header("prerm", Part.UNINSTALL, Flavor.DEB)
                + "case \"$1\" in\n"
                + "    remove)\n"
                + stop
                + "        packyard_pre_uninstall\n"
                + "        ;;\n"
                + "    upgrade | deconfigure | failed-upgrade)\n"
                + stop
                + "        ;;\n"
                + """
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
        return header("postrm", Part.CLEAN, Flavor.DEB)
                + "case \"$1\" in\n"
                + "    remove)\n"
                + "        packyard_forget_version\n"
                + (hasServices() ? "        packyard_forget_services remove\n" : "")
                + "        ;;\n"
                + "    purge)\n"
                + "        packyard_forget_version\n"
                + "        packyard_purge\n"
                + (hasServices() ? "        packyard_forget_services purge\n" : "")
                + "        ;;\n"
                + """
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

    /** True when the rpm needs a {@code %pre} scriptlet (to create accounts and stop services before an upgrade). */
    public boolean hasRpmPre() {
        return hasServices();
    }

    /** RPM {@code %pre}; {@code $1} is the number of versions installed after this transaction: above 1 on upgrades. */
    public String rpmPre() {
        StringBuilder b = new StringBuilder(header("%pre", Part.PRE, Flavor.RPM));
        if (!accounts.isEmpty()) {
            b.append("packyard_create_users\n");
        }
        if (hasServices()) {
            b.append("if [ \"$1\" -gt 1 ]; then\n");
            b.append("    packyard_stop_services\n");
            b.append("fi\n");
        }
        return b.append("\nexit 0\n").toString();
    }

    /** RPM {@code %post}; {@code $1} is the number of versions installed after this step. */
    public String rpmPost() {
        StringBuilder b = new StringBuilder(header("%post", Part.INSTALL, Flavor.RPM));
        if (hasServices()) {
            b.append("packyard_make_state_dirs\n");
        }
        b.append("packyard_post_install configure\n");
        if (hasServices()) {
            if (!accounts.isEmpty()) {
                b.append("packyard_own_state_dirs\n");
            }
            b.append("packyard_enable_services \"$1\"\n");
            b.append("packyard_start_services \"$1\"\n");
        }
        return b.append("\nexit 0\n").toString();
    }

    /** RPM {@code %preun}; {@code $1} is 0 on a real removal, 1 when an upgrade removes the old version. */
    public String rpmPreun() {
        return header("%preun", Part.UNINSTALL, Flavor.RPM)
                + "if [ \"$1\" = 0 ]; then\n"
                + (hasServices() ? "    packyard_stop_services\n    packyard_disable_services\n" : "")
                + "    packyard_pre_uninstall\n"
                + "fi\n"
                + "\n"
                + "exit 0\n";
    }

    /** RPM {@code %postun}; rpm has no purge, so a real removal also deletes logs and state. */
    public String rpmPostun() {
        return header("%postun", Part.CLEAN, Flavor.RPM)
                + (hasServices() ? "packyard_reload_systemd\n" : "")
                + """
                if [ "$1" = 0 ]; then
                    packyard_forget_version
                    packyard_purge
                fi

                exit 0
                """;
    }

    private boolean hasServices() {
        return !services.isEmpty();
    }

    /** What each script needs: the installing side, the removing side, the cleaning side. */
    private enum Part {
        INSTALL(List.of("PACKAGE", "VERSION", "PREFIX", "LOG_DIR", "STATE_DIR", "POST_INSTALL_HOOK"),
                List.of(LOG, ENSURE_LOG, RUN_HOOK, POST_INSTALL)),
        UNINSTALL(List.of("PACKAGE", "VERSION", "PREFIX", "LOG_DIR", "PRE_UNINSTALL_HOOK"),
                List.of(LOG, ENSURE_LOG, RUN_HOOK, PRE_UNINSTALL)),
        CLEAN(List.of("LOG_DIR", "STATE_DIR"), List.of(FORGET_VERSION, PURGE)),
        PRE(List.of(), List.of());

        final List<String> variables;
        final List<String> functions;

        Part(List<String> variables, List<String> functions) {
            this.variables = variables;
            this.functions = functions;
        }
    }

    /** The package managers whose scripts differ in how they talk to systemd and create accounts. */
    private enum Flavor {
        DEB,
        RPM
    }

    private String header(String what, Part part, Flavor flavor) {
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
        List<String> functions = new ArrayList<>(part.functions);
        if (hasServices()) {
            s.append("SYSTEMD_RUN=").append(quote(root + "/run/systemd/system")).append('\n');
            functions.addAll(serviceFunctions(part, flavor));
        }
        for (String f : functions) {
            s.append('\n').append(f);
        }
        return s.append('\n').toString();
    }

    /** The service functions a script uses. */
    private List<String> serviceFunctions(Part part, Flavor flavor) {
        List<String> out = new ArrayList<>();
        String units = String.join(" ", services.stream().map(sv -> quote(sv.unitName())).toList());
        boolean deb = flavor == Flavor.DEB;
        switch (part) {
            case PRE -> {
                if (!accounts.isEmpty()) {
                    out.add(createUsers(false));
                }
                out.add(RPM_STOP.replace("@UNITS@", units));
            }
            case INSTALL -> {
                if (deb && !accounts.isEmpty()) {
                    out.add(createUsers(true));
                }
                out.add(stateDirectories());
                if (!accounts.isEmpty()) {
                    out.add(ownStateDirectories());
                }
                out.add((deb ? DEB_ENABLE : RPM_ENABLE).replace("@UNITS@", units));
                out.add((deb ? DEB_START : RPM_START).replace("@UNITS@", units));
            }
            case UNINSTALL -> {
                out.add((deb ? DEB_STOP : RPM_STOP).replace("@UNITS@", units));
                if (!deb) {
                    out.add(RPM_DISABLE.replace("@UNITS@", units));
                }
            }
            case CLEAN -> out.add((deb ? DEB_FORGET : RPM_RELOAD).replace("@UNITS@", units));
        }
        return out;
    }

    /** Creates each account that is missing: Debian's adduser, or shadow's useradd (rpm %pre). */
    private String createUsers(boolean deb) {
        StringBuilder f = new StringBuilder();
        f.append("# The services' system accounts, created when missing (never removed: files they own may remain).\n");
        f.append("packyard_create_users() {\n");
        if (deb) {
            f.append("    packyard_ensure_log\n");
        }
        for (ServiceFiles.Account a : accounts) {
            String user = quote(a.user());
            String group = quote(a.group());
            String home = quote(root + a.home());
            if (deb) {
                f.append("    if ! getent group ").append(group).append(" >/dev/null; then\n");
                f.append("        addgroup --system --quiet ").append(group).append('\n');
                f.append("        packyard_log ").append(quote("created group " + a.group())).append('\n');
                f.append("    fi\n");
                f.append("    if ! getent passwd ").append(user).append(" >/dev/null; then\n");
                // lintian wants the home in double quotes or bare (maintainer-script-lacks-home-in-adduser)
                f.append("        adduser --system --quiet --ingroup ").append(group).append(" --home ")
                        .append(doubleQuote(root + a.home()))
                        .append(" --no-create-home ").append(user).append('\n');
                f.append("        packyard_log ").append(quote("created user " + a.user())).append('\n');
                f.append("    fi\n");
            } else {
                f.append("    getent group ").append(group).append(" >/dev/null || groupadd -r ").append(group)
                        .append('\n');
                f.append("    getent passwd ").append(user).append(" >/dev/null || useradd -r -g ").append(group)
                        .append(" -d ").append(home).append(" -s /sbin/nologin -c ").append(quote(a.comment()))
                        .append(' ').append(user).append('\n');
            }
        }
        return f.append("}\n").toString();
    }

    /** Creates the services' state directories before the post-install hook runs. */
    private String stateDirectories() {
        StringBuilder f = new StringBuilder();
        f.append("# The services' state directories, created before the post-install hook so that it can use them.\n");
        f.append("packyard_make_state_dirs() {\n");
        for (StateDirectory d : stateDirectoryList()) {
            f.append("    mkdir -p ").append(d.path()).append('\n');
            f.append("    chmod ").append(d.owner() == null ? "0755 " : "0750 ").append(d.path()).append('\n');
            if (d.owner() != null) {
                f.append("    chown ").append(d.owner()).append(' ').append(d.path()).append('\n');
            }
        }
        return f.append("}\n").toString();
    }

    /**
     * Hands what the post-install hook created in the state directories to the services' users:
     * only root-owned entries, symlinks themselves (never their targets), and regular files only
     * when they have a single link, so that a hard link the service's user planted to a file
     * elsewhere (a hardlink attack, on kernels without fs.protected_hardlinks) is never chowned.
     */
    private String ownStateDirectories() {
        StringBuilder f = new StringBuilder();
        f.append("# What the post-install hook (run as root) created in a state directory belongs to its service.\n");
        f.append("packyard_own_state_dirs() {\n");
        for (StateDirectory d : stateDirectoryList()) {
            if (d.owner() != null) {
                f.append("    find ").append(d.path()).append(" -xdev -user 0 \\( -type d -o -type l -o -type f -links 1 \\)"
                        + " -exec chown -h ").append(d.owner()).append(" {} +\n");
            }
        }
        return f.append("}\n").toString();
    }

    /** A state directory as a shell word under $STATE_DIR, with its owner as user:group (null for root). */
    private record StateDirectory(String path, String owner) {}

    private List<StateDirectory> stateDirectoryList() {
        Map<String, StateDirectory> out = new LinkedHashMap<>();
        for (Service sv : services) {
            out.putIfAbsent(sv.stateDirectory(), new StateDirectory("\"$STATE_DIR\"/" + quote(sv.stateDirectory()),
                    sv.runsAsRoot() ? null : quote(sv.user() + ":" + sv.group())));
        }
        return List.copyOf(out.values());
    }

    private static final String DEB_ENABLE = """
            # As dh_installsystemd: enable on the first install (deb-systemd-helper works without a running
            # systemd); on upgrades keep the administrator's choice and only update the recorded state.
            packyard_enable_services() {
                if ! command -v deb-systemd-helper >/dev/null 2>&1; then
                    return 0
                fi
                for unit in @UNITS@; do
                    deb-systemd-helper unmask "$unit" >/dev/null || true
                    if deb-systemd-helper --quiet was-enabled "$unit"; then
                        deb-systemd-helper enable "$unit" >/dev/null || true
                    else
                        deb-systemd-helper update-state "$unit" >/dev/null || true
                    fi
                done
            }
            """;

    private static final String DEB_START = """
            # packyard_start_services PREVIOUS_VERSION: (re)start the enabled units where systemd runs.
            packyard_start_services() {
                packyard_ensure_log
                if [ ! -d "$SYSTEMD_RUN" ]; then
                    packyard_log "systemd is not running: services not started"
                    return 0
                fi
                systemctl --system daemon-reload >/dev/null || true
                if [ -n "$1" ]; then
                    action=restart
                else
                    action=start
                fi
                for unit in @UNITS@; do
                    if deb-systemd-invoke "$action" "$unit" >/dev/null; then
                        packyard_log "$action $unit"
                    else
                        packyard_log "$action $unit failed"
                        echo "$PACKAGE: warning: $unit did not $action, see: journalctl -u $unit" >&2
                    fi
                done
            }
            """;

    private static final String DEB_STOP = """
            packyard_stop_services() {
                if [ ! -d "$SYSTEMD_RUN" ]; then
                    return 0
                fi
                for unit in @UNITS@; do
                    deb-systemd-invoke stop "$unit" >/dev/null || true
                done
            }
            """;

    private static final String DEB_FORGET = """
            # packyard_forget_services remove|purge: as dh_installsystemd's postrm.
            packyard_forget_services() {
                if [ "$1" = remove ] && [ -d "$SYSTEMD_RUN" ]; then
                    systemctl --system daemon-reload >/dev/null || true
                fi
                if ! command -v deb-systemd-helper >/dev/null 2>&1; then
                    return 0
                fi
                for unit in @UNITS@; do
                    if [ "$1" = remove ]; then
                        deb-systemd-helper mask "$unit" >/dev/null || true
                    else
                        deb-systemd-helper purge "$unit" >/dev/null || true
                        deb-systemd-helper unmask "$unit" >/dev/null || true
                    fi
                done
            }
            """;

    private static final String RPM_STOP = """
            packyard_stop_services() {
                if [ ! -d "$SYSTEMD_RUN" ] || ! command -v systemctl >/dev/null 2>&1; then
                    return 0
                fi
                for unit in @UNITS@; do
                    systemctl stop "$unit" >/dev/null 2>&1 || :
                done
            }
            """;

    private static final String RPM_ENABLE = """
            # packyard_enable_services COUNT: as %systemd_post, the first install applies the presets (the
            # package's enables its units; an administrator's preset in /etc wins); works without a running systemd.
            packyard_enable_services() {
                if [ "$1" != 1 ] || ! command -v systemctl >/dev/null 2>&1; then
                    return 0
                fi
                for unit in @UNITS@; do
                    systemctl --no-reload preset "$unit" >/dev/null 2>&1 || :
                done
            }
            """;

    private static final String RPM_START = """
            # packyard_start_services COUNT: (re)start the enabled units where systemd runs.
            packyard_start_services() {
                if [ ! -d "$SYSTEMD_RUN" ] || ! command -v systemctl >/dev/null 2>&1; then
                    packyard_log "systemd is not running: services not started"
                    return 0
                fi
                systemctl daemon-reload >/dev/null 2>&1 || :
                if [ "$1" -gt 1 ]; then
                    action=restart
                else
                    action=start
                fi
                for unit in @UNITS@; do
                    if ! systemctl --quiet is-enabled "$unit" 2>/dev/null; then
                        packyard_log "$unit is disabled: not started"
                    elif systemctl "$action" "$unit" >/dev/null 2>&1; then
                        packyard_log "$action $unit"
                    else
                        packyard_log "$action $unit failed"
                        echo "$PACKAGE: warning: $unit did not $action, see: journalctl -u $unit" >&2
                    fi
                done
            }
            """;

    private static final String RPM_DISABLE = """
            # As %systemd_preun: a real removal disables the units (works without a running systemd).
            packyard_disable_services() {
                if ! command -v systemctl >/dev/null 2>&1; then
                    return 0
                fi
                for unit in @UNITS@; do
                    systemctl --no-reload disable "$unit" >/dev/null 2>&1 || :
                done
            }
            """;

    private static final String RPM_RELOAD = """
            packyard_reload_systemd() {
                if [ -d "$SYSTEMD_RUN" ] && command -v systemctl >/dev/null 2>&1; then
                    systemctl daemon-reload >/dev/null 2>&1 || :
                fi
            }
            """;

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

    /** Quotes a value for POSIX sh in double quotes (\\, ", $ and ` escaped). */
    static String doubleQuote(String s) {
        return "\"" + s.replaceAll("([\\\\\"$`])", "\\\\$1") + "\"";
    }

    /** Quotes a value for POSIX sh: single quotes, with embedded ones closed, escaped, reopened. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
