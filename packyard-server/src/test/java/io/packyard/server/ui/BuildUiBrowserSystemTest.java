package io.packyard.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import io.packyard.builds.ProjectSpec;
import io.packyard.builds.model.Build;
import io.packyard.builds.model.BuildState;
import io.packyard.builds.queue.ClaimedJob;
import io.packyard.builds.queue.Outcome;
import io.packyard.repository.auth.Permission;
import io.packyard.repository.index.IndexSpec;
import io.packyard.server.PackyardServer;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real browser (Debian's headless chromium through chromedriver): log in with a
 * token, start a build from the form, watch its log grow live while this test plays the worker
 * (through {@link PackyardServer#builds()}), see the state turn to succeeded, download the
 * artifact by clicking its link. Screenshots (desktop 1280x900, phone 390x844) go to
 * {@code <build dir>/screenshots/}.
 */
@Tag("system")
class BuildUiBrowserSystemTest {

    @TempDir
    static Path dir;

    static PackyardServer server;
    static ChromeDriver driver;
    static Path downloads;
    static Path screenshots;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        server = PackyardServer.builder().dataDir(dir.resolve("data")).port(0).log(new QuietLog()).build().start();
        server.repository().indexes().create(IndexSpec.hosted("main"));
        token = server.repository().tokens().create("alice", "main", Optional.empty(), Permission.UPLOAD,
                Optional.empty(), Optional.empty()).secret();
        server.builds().saveProject(ProjectSpec.builder("hello-cli").git("https://git.example.invalid/hello-cli.git", "main")
                .formats("tar.gz").build());
        server.builds().saveProject(ProjectSpec.builder("tools").git("https://git.example.invalid/tools.git", "main").build());

        downloads = Files.createDirectories(dir.resolve("downloads"));
        screenshots = Files.createDirectories(Path.of(System.getProperty("packyard.build.dir", "target"), "screenshots"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--lang=en-US");
        options.setExperimentalOption("prefs", Map.of(
                "download.default_directory", downloads.toString(),
                "download.prompt_for_download", false,
                "download.directory_upgrade", true,
                "safebrowsing.enabled", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.stop();
        }
    }

    static String url(String path) {
        return server.url().resolve(path).toString();
    }

    static WebDriverWait waiting(int seconds) {
        return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100));
    }

    static void screenshot(String name) throws Exception {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(screenshots.resolve(name + ".png"), png);
    }

    static int logLength() {
        return driver.findElement(By.id("log")).getText().length();
    }

    @Test
    void startABuildFollowItsLogAndDownloadTheArtifact() throws Exception {
        driver.manage().window().setSize(new Dimension(1280, 900));

        // log in with an API token
        driver.get(url("/ui/builds/new"));
        assertThat(driver.getCurrentUrl()).contains("/ui/login?next=/ui/builds/new");
        driver.findElement(By.id("token")).sendKeys(token);
        driver.findElement(By.id("login-button")).click();
        waiting(10).until(d -> d.getCurrentUrl().endsWith("/ui/builds/new"));
        assertThat(driver.findElement(By.cssSelector("header .user")).getText()).isEqualTo("alice");
        assertThat(driver.manage().getCookieNamed("packyard_ui").isHttpOnly()).isTrue();

        // start a build from the form
        new Select(driver.findElement(By.id("project"))).selectByValue("hello-cli");
        driver.findElement(By.id("ref")).sendKeys("v1.0");
        WebElement priority = driver.findElement(By.id("priority"));
        priority.clear();
        priority.sendKeys("5");
        screenshot("new-build-desktop");
        driver.findElement(By.id("start")).click();
        waiting(10).until(d -> d.getCurrentUrl().matches(".*/ui/builds/\\d+$"));
        long id = Long.parseLong(driver.getCurrentUrl().replaceAll(".*/ui/builds/", ""));
        Build build = server.builds().requireBuild(id);
        assertThat(build.project()).isEqualTo("hello-cli");
        assertThat(build.gitRef()).hasValue("v1.0");
        assertThat(build.priority()).isEqualTo(5);
        assertThat(driver.findElement(By.cssSelector("#state .badge")).getText()).isEqualTo("queued");
        // a marker that a page reload would lose: the log must grow in this very page
        ((JavascriptExecutor) driver).executeScript("window.__sameDocument = 'yes';");

        // this test is the worker: the SOURCE step, then the BUILD step with a log that grows
        ClaimedJob source = server.builds().claim(List.of("server"), "test-server", Duration.ofMinutes(2)).orElseThrow();
        assertThat(source.buildId()).isEqualTo(id);
        server.builds().appendLog(id, Optional.of(source.jobId()), "fetched https://git.example.invalid/hello-cli.git v1.0\n");
        assertThat(server.builds().complete(source.jobId(), source.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        ClaimedJob job = server.builds().claim(List.of("linux-x86_64"), "worker-7", Duration.ofMinutes(2)).orElseThrow();
        assertThat(job.buildId()).isEqualTo(id);

        List<Integer> lengths = new ArrayList<>();
        lengths.add(logLength());
        for (int round = 1; round <= 4; round++) {
            StringBuilder lines = new StringBuilder();
            for (int i = 1; i <= 5; i++) {
                lines.append("step ").append(round).append('.').append(i).append(": building wheel <hello-cli> & friends\n");
            }
            server.builds().appendLog(id, Optional.of(job.jobId()), lines.toString());
            int before = lengths.getLast();
            String expected = "step " + round + ".5: building wheel <hello-cli> & friends";
            waiting(15).until(d -> logLength() > before && d.findElement(By.id("log")).getText().contains(expected));
            lengths.add(logLength());
            if (round == 2) {
                ((JavascriptExecutor) driver).executeScript("document.getElementById('jobs').scrollIntoView();");
                screenshot("build-running-desktop");
            }
            Thread.sleep(300);
        }
        assertThat(lengths).isSorted().doesNotHaveDuplicates();
        // the badge follows the build (refreshed while it runs)
        waiting(15).until(d -> d.findElement(By.cssSelector("#state .badge")).getText().equals("running"));

        byte[] deb = new byte[3000];
        for (int i = 0; i < deb.length; i++) {
            deb[i] = (byte) (i * 31 + 7);
        }
        var artifact = server.builds().addArtifact(job.jobId(), job.leaseId(), "hello-cli-1.0-linux-x86_64.tar.gz",
                new ByteArrayInputStream(deb));
        assertThat(server.builds().complete(job.jobId(), job.leaseId(), Outcome.SUCCEEDED, "")).isTrue();
        assertThat(server.builds().requireBuild(id).state()).isEqualTo(BuildState.SUCCEEDED);

        // the "end" event turns the badge; the artifacts appear without a reload
        waiting(15).until(d -> d.findElement(By.cssSelector("#state .badge")).getText().equals("succeeded"));
        assertThat(driver.findElement(By.cssSelector("#state .badge")).getAttribute("class")).contains("s-succeeded");
        WebElement link = waiting(15).until(d -> d.findElement(By.cssSelector("#artifacts a.artifact")));
        assertThat(link.getText()).isEqualTo("hello-cli-1.0-linux-x86_64.tar.gz");
        assertThat(driver.findElement(By.id("artifacts")).getText()).contains(artifact.sha256()).contains("2.9 KiB");
        assertThat(driver.findElement(By.id("log")).getText()).contains("build succeeded");
        assertThat(((JavascriptExecutor) driver).executeScript("return window.__sameDocument;")).isEqualTo("yes");
        screenshot("build-succeeded-desktop");

        // download by clicking the link
        // (the script re-renders the section once more if anything in it changed: look the link up afresh)
        waiting(10).ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(d -> {
            d.findElement(By.cssSelector("#artifacts a.artifact")).click();
            return true;
        });
        Path file = downloads.resolve("hello-cli-1.0-linux-x86_64.tar.gz");
        try {
            waiting(20).until(d -> Files.isRegularFile(file) && !partialDownloads());
        } catch (org.openqa.selenium.TimeoutException e) {
            screenshot("download-failed");
            try (Stream<Path> s = Files.list(downloads)) {
                throw new AssertionError("no download in " + downloads + ": " + s.toList(), e);
            }
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(deb);

        // the same page on a phone: readable, no horizontal scrolling
        driver.manage().window().setSize(new Dimension(390, 844));
        driver.navigate().refresh();
        waiting(10).until(d -> d.findElement(By.cssSelector("#state .badge")).getText().equals("succeeded"));
        assertNoHorizontalScroll();
        screenshot("build-phone");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('artifacts').scrollIntoView();");
        screenshot("build-phone-artifacts-log");
        driver.get(url("/ui/builds"));
        assertNoHorizontalScroll();
        assertThat(driver.findElement(By.id("builds")).getText()).contains("#" + id).contains("hello-cli");
        screenshot("builds-phone");
        driver.get(url("/ui/"));
        assertNoHorizontalScroll();
        screenshot("projects-phone");
        driver.manage().window().setSize(new Dimension(1280, 900));
        driver.get(url("/ui/builds"));
        screenshot("builds-desktop");
    }

    static boolean partialDownloads() {
        try (Stream<Path> s = Files.list(downloads)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".crdownload"));
        } catch (java.io.IOException e) {
            return true;
        }
    }

    static void assertNoHorizontalScroll() {
        Object widths = ((JavascriptExecutor) driver).executeScript(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];");
        @SuppressWarnings("unchecked")
        List<Long> w = (List<Long>) widths;
        assertThat(w.get(0)).as("page width on %s", driver.getCurrentUrl()).isLessThanOrEqualTo(w.get(1));
    }
}
