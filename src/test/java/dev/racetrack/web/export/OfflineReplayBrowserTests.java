package dev.racetrack.web.export;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.racetrack.RacetrackApplication;
import dev.racetrack.browser.Browser;
import dev.racetrack.browser.Browsers;
import dev.racetrack.browser.LabPage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The offline replay in a headless Chromium with no server: the file is downloaded from
 * the API, the application is then shut down, and the file is opened from disk
 * ({@code file://}). It fetches nothing, and replays the SNAT port race on 4.17 to the
 * dropped SYN.
 */
class OfflineReplayBrowserTests implements LabPage {

	@Override
	public ChromeDriver driver() {
		return this.driver;
	}

	ChromeDriver driver;

	@RegisterExtension
	final Browsers browsers = new Browsers();

	@Test
	void theExportedReplayPlaysFromDiskWithNoServerAndFetchesNothing() throws Exception {
		Path file = download("scenario=snat-port-race&kernel=4.17&mode=default");
		assertThat(file.getFileName().toString()).isEqualTo("racetrack-snat-port-race-4.17-seed1.html");

		this.driver = this.browsers.start(1920, 1080);
		this.driver.get(file.toUri().toString());
		waitUntilReady();
		assertThat(this.driver.getCurrentUrl()).startsWith("file:");
		assertThat(total()).isEqualTo(172);
		assertThat(this.driver.findElement(By.id("source-mode")).getText()).isEqualTo("offline replay");

		while (step() < 28) {
			long before = step();
			press(Keys.ARROW_RIGHT);
			waitFor((d) -> step() > before);
		}
		assertThat(caption()).contains("dropped");
		assertThat(this.driver.findElements(By.cssSelector("#node .drop-mark"))).hasSize(1);
		assertThat(this.driver.findElement(By.cssSelector("#node .drop-mark")).getText()).contains("SYN b dropped");
		assertThat(counter(1, "insert_failed")).isEqualTo("1");
		assertThat(counter(1, "drop")).isEqualTo("1");
		assertThat(counter(0, "insert_failed")).isEqualTo("0");
		Browser.screenshot(this.driver, "offline-replay-snat-417-dropped-syn");

		// The same controls: back, play to the next beat, the help lists the keys.
		press(Keys.ARROW_LEFT);
		waitFor((d) -> step() == 27);
		press("?");
		waitFor((d) -> d.findElement(By.id("help")).isDisplayed());
		assertThat(this.driver.findElement(By.id("help-keys")).getText()).contains("black screen")
			.doesNotContain("join code");
		press(Keys.ESCAPE);

		Object fetched = this.driver.executeScript("return performance.getEntriesByType('resource').map(e => e.name)");
		assertThat((List<?>) fetched).as("nothing fetched, not even from disk").isEmpty();
		Object scripts = this.driver.executeScript(
				"return [...document.querySelectorAll('script[src], link[href]:not([href^=\"data:\"]), img[src]')].length");
		assertThat(((Number) scripts).intValue()).isZero();
	}

	/**
	 * Starts the application, downloads the replay as a browser would, and stops the
	 * application again; returns the saved file under {@code target/offline/}.
	 */
	private static Path download(String query) throws IOException, InterruptedException {
		int port;
		HttpResponse<byte[]> response;
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(RacetrackApplication.class)
			.run("--server.port=0", "--spring.main.banner-mode=off")) {
			port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
			response = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/export/replay?" + query))
					.timeout(Duration.ofSeconds(30))
					.build(), HttpResponse.BodyHandlers.ofByteArray());
		}
		assertThat(response.statusCode()).isEqualTo(200);
		String disposition = response.headers().firstValue("Content-Disposition").orElseThrow();
		assertThat(disposition).startsWith("attachment;");
		String name = disposition.replaceAll(".*filename=\"([^\"]+)\".*", "$1");
		assertThatExceptionOfType(ConnectException.class).as("the server is gone")
			.isThrownBy(() -> new Socket("localhost", port).close());
		Path dir = Path.of("target", "offline");
		Files.createDirectories(dir);
		Path file = dir.resolve(name).toAbsolutePath();
		Files.write(file, response.body());
		return file;
	}

}
