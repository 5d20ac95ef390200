package io.packyard.formats;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.formats.deb.DebFormat;
import io.packyard.formats.rpm.RpmFormat;
import io.packyard.formats.targz.TarGzFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class LinuxFormatsRegistrationTest {
    @Test
    void debRpmAndTarGzAreRegisteredUnderTheirIds() {
        List<PackageFormat> formats = PackageFormats.parse("deb, rpm,tar.gz,deb");
        assertThat(formats).hasSize(3);
        assertThat(formats.get(0)).isInstanceOf(DebFormat.class);
        assertThat(formats.get(1)).isInstanceOf(RpmFormat.class);
        assertThat(formats.get(2)).isInstanceOf(TarGzFormat.class);
        assertThat(PackageFormats.all()).extracting(PackageFormat::id).contains("deb", "rpm", "tar.gz");
    }
}
