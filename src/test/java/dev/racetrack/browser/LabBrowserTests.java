package dev.racetrack.browser;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lab in a real headless Chromium.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class LabBrowserTests {

	@LocalServerPort
	int port;

	ChromeDriver driver;

	@AfterEach
	void quit() {
		if (this.driver != null) {
			this.driver.quit();
		}
	}

	@Test
	void labLoadsWithHtmxFromTheAppAndRunsItsModules() {
		this.driver = Browser.start(1280, 800);
		this.driver.get("http://localhost:" + this.port + "/");
		new WebDriverWait(this.driver, Duration.ofSeconds(20))
			.until((d) -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
		Object htmxVersion = this.driver.executeScript("return window.htmx && window.htmx.version");
		assertThat(htmxVersion).asString().startsWith("2.");
		Object external = this.driver.executeScript("return performance.getEntriesByType('resource')"
				+ ".map(e => e.name).filter(n => !n.startsWith(location.origin))");
		assertThat((java.util.List<?>) external).isEmpty();
		assertThat(this.driver.findElement(By.id("caption")).getText()).contains("ready");
		Browser.screenshot(this.driver, "lab-shell");
	}

}
