package dev.racetrack.web.experiment;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.racetrack.browser.Browser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Experiments page in a real headless Chromium: a small experiment runs, its table
 * and charts appear, and a histogram bar links to the Lab.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ExperimentsBrowserTests {

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
	void aSmallExperimentFillsTheTableAndTheCharts() {
		this.driver = Browser.start(1600, 1000);
		this.driver.get("http://localhost:" + this.port + "/experiments");
		WebDriverWait wait = new WebDriverWait(this.driver, Duration.ofSeconds(60));
		wait.until((d) -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
		check("kernel", "6.x");
		WebElement trials = this.driver.findElement(By.name("trials"));
		trials.clear();
		trials.sendKeys("40");
		assertThat(this.driver.findElement(By.id("plan-size")).getText())
			.startsWith("12 configurations × 40 trials = 480 runs");
		Browser.screenshot(this.driver, "experiments-form");
		this.driver.findElement(By.id("run")).click();
		wait.until((d) -> "done".equals(d.findElement(By.tagName("body")).getDomAttribute("data-state")));
		List<WebElement> rows = this.driver.findElements(By.cssSelector("#results-table tbody tr"));
		assertThat(rows).hasSize(12);
		assertThat(rows.get(0).getText()).contains("4.17").contains("default").contains("%");
		assertThat(this.driver.findElements(By.cssSelector("#rate-chart svg circle.dot")))
			.hasSizeGreaterThanOrEqualTo(12);
		assertThat(this.driver.findElements(By.cssSelector("#latency-chart svg rect.bar"))).isNotEmpty();
		assertThat(this.driver.findElements(By.cssSelector("#latency-chart svg rect.bar-slow")))
			.as("the selected row (the highest rate) has its 1 s spike")
			.isNotEmpty();
		List<WebElement> links = this.driver.findElements(By.cssSelector("#latency-chart svg a.bar-link"));
		assertThat(links).isNotEmpty()
			.allSatisfy((a) -> assertThat(a.getDomAttribute("href")).startsWith("/?scenario=tcp-free-play&kernel=")
				.contains("&seed="));
		rows.get(6).click();
		assertThat(rows.get(6).getDomAttribute("aria-selected")).isEqualTo("true");
		assertThat(this.driver.findElement(By.id("latency-caption")).getText()).contains("6.x");
		Object external = this.driver.executeScript("return performance.getEntriesByType('resource')"
				+ ".map(e => e.name).filter(n => !n.startsWith(location.origin))");
		assertThat((List<?>) external).isEmpty();
		rows.get(1).click();
		this.driver.executeScript("window.scrollTo(0, document.getElementById('results').offsetTop - 10)");
		Browser.screenshot(this.driver, "experiments-results");
		this.driver.manage().window().setSize(new Dimension(1600, pageHeight()));
		Browser.screenshot(this.driver, "experiments-page");
	}

	private void check(String name, String value) {
		WebElement box = this.driver.findElement(By.cssSelector("input[name='" + name + "'][value='" + value + "']"));
		if (!box.isSelected()) {
			box.click();
		}
	}

	private int pageHeight() {
		return ((Number) this.driver.executeScript("return document.documentElement.scrollHeight")).intValue() + 20;
	}

}
