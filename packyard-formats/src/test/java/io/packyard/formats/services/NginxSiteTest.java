package io.packyard.formats.services;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.bundle.Bundle;
import io.packyard.bundle.BundleMetadata;
import io.packyard.formats.testkit.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NginxSiteTest {
    @TempDir
    Path tmp;

    /**
     * Runs {@code nginx -t} on a configuration that includes {@code site}, with every path nginx
     * writes (pid, logs, temporary directories) in {@code dir}. Public for the CLI's tests too.
     */
    public static Cmd.Result nginxTest(Path dir, Path site) throws IOException {
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                pid @D/nginx.pid;
                error_log @D/error.log;
                events {}
                http {
                    access_log @D/access.log;
                    client_body_temp_path @D/body;
                    proxy_temp_path @D/proxy;
                    fastcgi_temp_path @D/fastcgi;
                    uwsgi_temp_path @D/uwsgi;
                    scgi_temp_path @D/scgi;
                    include @S;
                }
                """.replace("@D", dir.toString()).replace("@S", site.toString()));
        return Cmd.run("nginx", "-t", "-p", dir + "/", "-e", dir.resolve("error.log").toString(), "-c", conf.toString());
    }

    @Test
    void siteProxiesAndServesStaticFiles() throws IOException {
        Bundle b = ServiceBundles.build("nginx-fix", "1.0", tmp.resolve("b"));
        BundleMetadata m = b.metadata();
        String site = NginxSite.render(m, m.services().get(0));
        assertThat(site).contains(
                "    listen 80;\n    listen [::]:80;\n    server_name app.example.org;\n",
                "    location /static/ {\n        alias /opt/packyard-nginx-fix/demo/lib/python3.12/site-packages/app/static/;\n",
                "        proxy_pass http://127.0.0.1:8080;\n",
                "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n",
                "#   ln -s /etc/packyard-nginx-fix/demo/nginx/nginx-fix-web.conf /etc/nginx/sites-enabled/nginx-fix-web.conf");
        assertThat(NginxSite.path(m.layout(), m.services().get(0))).isEqualTo("/etc/packyard-nginx-fix/demo/nginx/nginx-fix-web.conf");
    }

    @Test
    @Tag("system")
    void nginxAcceptsTheSite() throws IOException {
        Bundle b = ServiceBundles.build("nginx-t", "1.0", tmp.resolve("b"));
        Path site = tmp.resolve("site.conf");
        Files.writeString(site, NginxSite.render(b.metadata(), b.metadata().services().get(0)));
        Cmd.Result r = nginxTest(Files.createDirectories(tmp.resolve("nginx")), site);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("syntax is ok", "test is successful");

        // the check can fail: a site with a broken directive does not pass
        Files.writeString(site, Files.readString(site).replace("proxy_pass http://127.0.0.1:8080;", "proxy_pass;"));
        Cmd.Result broken = nginxTest(tmp.resolve("nginx"), site);
        assertThat(broken.exitCode()).isNotZero();
        assertThat(broken.output()).contains("invalid number of arguments in \"proxy_pass\"");
    }
}
