package dev.racetrack.web.diagnose;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.racetrack.browser.Browser;
import dev.racetrack.browser.Browsers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /diagnose} in a real headless Chromium: an example paste (two samples a minute
 * apart on a 5.4 node) is diagnosed, and the verdict with its first fix is on screen
 * without scrolling at 1024×768, 1280×720 and 1920×1080, in both themes. Screenshots go
 * to {@code target/screenshots/diagnose-*.png}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DiagnoseBrowserTests {

	@LocalServerPort
	int port;

	ChromeDriver driver;

	@RegisterExtension
	final Browsers browsers = new Browsers();

	@ParameterizedTest(name = "{0}×{1} {2}")
	@CsvSource({ "1280, 720, ''", "1024, 768, ''", "1920, 1080, ''", "1280, 720, projector", "1024, 768, projector",
			"1920, 1080, projector" })
	void theVerdictAndTheFirstFixAreOnScreenWithoutScrolling(int width, int height, String theme) {
		this.driver = this.browsers.start(width, height);
		Browser.viewport(this.driver, width, height);
		String query = theme.isEmpty() ? "" : "?theme=" + theme;
		this.driver.get("http://localhost:" + this.port + "/diagnose" + query);
		WebDriverWait wait = new WebDriverWait(this.driver, Duration.ofSeconds(30));
		assertThat(this.driver.findElement(By.tagName("body")).getDomAttribute("class"))
			.isEqualTo(theme.isEmpty() ? "diagnose" : "diagnose " + theme);
		this.driver.findElements(By.cssSelector("button.example"))
			.stream()
			.filter((b) -> b.getText().startsWith("One paste"))
			.findFirst()
			.orElseThrow()
			.click();
		wait.until((d) -> Boolean.TRUE.equals(((ChromeDriver) d).executeScript(
				"const p = document.getElementById('paste'); return p !== null && p.value.includes('sleep 60');")));
		this.driver.findElement(By.cssSelector("button.primary")).click();
		wait.until((d) -> !d.findElements(By.id("verdict")).isEmpty());
		WebElement verdict = this.driver.findElement(By.id("verdict-text"));
		WebElement fix = this.driver.findElement(By.id("first-fix"));
		assertThat(verdict.getText()).startsWith("About 13 connections or lookups delayed a minute")
			.contains("DNS race 3");
		assertThat(fix.getText()).startsWith("First fix:").contains("NodeLocal DNSCache");
		assertThat(this.driver.findElement(By.id("verdict")).getDomAttribute("class")).contains("verdict-critical");
		Map<?, ?> view = (Map<?, ?>) this.driver.executeScript("""
				const box = (id) => document.getElementById(id).getBoundingClientRect();
				return { scrollY: window.scrollY, innerHeight: window.innerHeight, innerWidth: window.innerWidth,
				  verdictTop: box('verdict').top, verdictBottom: box('verdict-text').bottom,
				  fixBottom: box('first-fix').bottom, fixRight: box('first-fix').right };""");
		String size = width + "x" + height + (theme.isEmpty() ? "" : "-" + theme);
		Browser.screenshot(this.driver, "diagnose-" + size);
		assertThat(((Number) view.get("innerHeight")).intValue()).as("viewport height").isEqualTo(height);
		assertThat(((Number) view.get("scrollY")).doubleValue()).as("nothing scrolled").isZero();
		assertThat(((Number) view.get("verdictTop")).doubleValue()).as("verdict top").isGreaterThanOrEqualTo(0);
		assertThat(((Number) view.get("verdictBottom")).doubleValue()).as("the verdict is above the fold")
			.isLessThanOrEqualTo(height);
		assertThat(((Number) view.get("fixBottom")).doubleValue()).as("the first fix is above the fold")
			.isLessThanOrEqualTo(height);
		assertThat(((Number) view.get("fixRight")).doubleValue()).as("nothing overflows to the right")
			.isLessThanOrEqualTo(width);
		Object external = this.driver.executeScript("return performance.getEntriesByType('resource')"
				+ ".map(e => e.name).filter(n => !n.startsWith(location.origin))");
		assertThat((List<?>) external).isEmpty();
	}

}
