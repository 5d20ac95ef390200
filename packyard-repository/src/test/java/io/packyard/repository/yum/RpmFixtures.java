package io.packyard.repository.yum;

import io.packyard.repository.packages.TestPackages;
import java.io.IOException;
import java.nio.file.Path;

/** A hand-made .rpm with the header fields Packyard's own RpmFormat does not write. */
final class RpmFixtures {
    private RpmFixtures() {}

    static final String RICH_FILE = "richapp-3.1-4.noarch.rpm";

    static final String RICH_SPEC = """
            Name: richapp
            Epoch: 2
            Version: 3.1
            Release: 4
            Summary: A package with many header fields
            License: MIT and BSD
            URL: https://example.org/richapp
            Vendor: Packyard Tests
            Packager: Packyard Tests <tests@packyard.example.org>
            Group: Applications/System
            BuildArch: noarch
            Provides: richapp-api = 3.1
            Provides: /usr/bin/richapp-alias
            Requires(pre): /bin/sh
            Requires(post): coreutils
            Requires: /usr/bin/richapp
            Requires: /usr/share/richapp/data.txt
            Requires: python3 >= 3.8
            Requires: richapp-api = 3.1
            Requires: bash
            Conflicts: oldrich < 2.0
            Obsoletes: richapp-legacy <= 1:2.0-1
            Recommends: richapp-docs
            Suggests: richapp-extras
            Supplements: richapp-base
            Enhances: richapp-core

            %description
            Rich application
            with two lines & <xml> "special" chars.

            %prep
            %build
            %install
            mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/richapp %{buildroot}/opt/richapp/bin %{buildroot}/usr/share/richapp %{buildroot}/var/log/richapp
            printf '#!/bin/sh\\necho rich\\n' > %{buildroot}/usr/bin/richapp
            chmod 755 %{buildroot}/usr/bin/richapp
            echo 'a=1' > %{buildroot}/etc/richapp/richapp.conf
            printf '#!/bin/sh\\nexit 0\\n' > %{buildroot}/opt/richapp/bin/helper
            chmod 755 %{buildroot}/opt/richapp/bin/helper
            echo data > %{buildroot}/usr/share/richapp/data.txt
            touch %{buildroot}/var/log/richapp/richapp.log

            %pre
            exit 0

            %post
            exit 0

            %files
            /usr/bin/richapp
            %dir /etc/richapp
            %config(noreplace) /etc/richapp/richapp.conf
            /opt/richapp
            /usr/share/richapp
            %dir /var/log/richapp
            %ghost /var/log/richapp/richapp.log

            %changelog
            * Tue Nov 14 2023 Packyard Tests <tests@packyard.example.org> - 2:3.1-4
            - Third entry
            * Tue Nov 14 2023 Packyard Tests <tests@packyard.example.org> - 2:3.1-3
            - Same day entry
            * Mon Nov 13 2023 Someone Else <else@example.org> - 2:3.0-1
            - First entry
            """;

    static Path richRpm(Path work) throws IOException {
        return TestPackages.rpmbuild(work, "richapp", RICH_SPEC, RICH_FILE);
    }
}
