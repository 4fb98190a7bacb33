package dev.racetrack.web.experiment;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.racetrack.browser.Browser;
import dev.racetrack.browser.Browsers;

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

	@RegisterExtension
	final Browsers browsers = new Browsers();

	@Test
	void aSmallExperimentFillsTheTableAndTheCharts() {
		this.driver = this.browsers.start(1600, 1000);
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

	/**
	 * A short xing run (the workload the catalogue gives the preset) at 1024×768: the
	 * windows after the warm-up and the latency spikes drawn are the ones the API answers
	 * for the very query the page sent, every conntrack -S counter is a column, and the
	 * page does not scroll sideways at 1024×768 or 1280×720.
	 */
	@Test
	void aPresetDrawsItsWindowsItsCountersAndItsSpikes() throws Exception {
		this.driver = this.browsers.start(1024, 768);
		this.driver.get("http://localhost:" + this.port + "/experiments");
		WebDriverWait wait = new WebDriverWait(this.driver, Duration.ofSeconds(120));
		wait.until((d) -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
		this.driver.findElement(By.cssSelector("input[name='preset'][value='xing']")).click();
		// The form takes the preset's workload and its sentence from the served
		// catalogue.
		JsonNode catalogue = getJson("/api/catalogue");
		String workload = null;
		for (JsonNode p : catalogue.get("presets")) {
			if ("xing".equals(p.get("id").asString())) {
				workload = p.get("params").get("workload").asString();
			}
		}
		String standsFor = null;
		for (JsonNode w : catalogue.get("workloads")) {
			if (w.get("id").asString().equals(workload)) {
				standsFor = w.get("standsFor").asString();
			}
		}
		assertThat(workload).isNotNull();
		assertThat(this.driver.findElement(By.name("workload")).getDomProperty("value")).isEqualTo(workload);
		assertThat(this.driver.findElement(By.id("workload-text")).getText()).isEqualTo(standsFor);
		assertThat(this.driver.findElement(By.cssSelector("input[name='pods'][value='2']")).isSelected()).isTrue();
		type("durationS", "40");
		type("warmupS", "10");
		type("trials", "4");
		Browser.screenshot(this.driver, "experiments-preset-form-1024");
		this.driver.findElement(By.id("run")).click();
		wait.until((d) -> "done".equals(d.findElement(By.tagName("body")).getDomAttribute("data-state")));
		String query = this.driver.findElement(By.id("experiments")).getDomAttribute("data-query");
		assertThat(query).contains("preset=xing").contains("workload=" + workload).contains("durationS=40");
		JsonNode result = apiResult(query);
		JsonNode configurations = result.get("configurations");
		assertThat(configurations).hasSize(2);

		// The windows: one point per window of each configuration, where the data puts
		// it.
		List<WebElement> points = this.driver.findElements(By.cssSelector("#window-chart svg g.point"));
		List<String> drawn = points.stream()
			.map((p) -> p.getDomAttribute("data-x") + "@" + p.getDomAttribute("data-rate"))
			.toList();
		List<String> expected = new java.util.ArrayList<>();
		for (JsonNode c : configurations) {
			assertThat(c.get("windows")).as("30 s after a 10 s warm-up").hasSize(3);
			for (JsonNode w : c.get("windows")) {
				// The windows chart opens on the race's own counter, insert_failed per
				// attempt.
				expected.add(number(w.get("toS").asDouble()) + "@"
						+ number(w.get("perAttempt").get("insert_failed").asDouble()));
			}
		}
		assertThat(drawn).containsExactlyInAnyOrderElementsOf(expected);

		// Every counter of the selected row, window by window and in all.
		List<String> headers = this.driver.findElements(By.cssSelector("#counters-table thead th"))
			.stream()
			.map((th) -> th.getDomProperty("textContent"))
			.toList();
		JsonNode selected = configurations.get(selectedIndex());
		selected.get("perAttempt").propertyNames().forEach((name) -> assertThat(headers).contains(name));
		assertThat(this.driver.findElements(By.cssSelector("#counters-table tbody tr")))
			.hasSize(selected.get("windows").size() + 1);

		// The latency spikes: every slow bucket of the selected row is a bar with its
		// count, and the ones holding the SYN timers' 1 s and 3 s are marked.
		long slow = 0;
		for (JsonNode b : selected.get("latency").get("histogram")) {
			long low = b.get("lowNs").asLong();
			long count = b.get("count").asLong();
			if (low < 1_000_000_000L || count == 0) {
				continue;
			}
			slow += count;
			WebElement bar = this.driver
				.findElement(By.cssSelector("#latency-chart svg rect.bar-slow[data-low-ns='" + low + "']"));
			assertThat(bar.getDomAttribute("data-count")).isEqualTo(String.valueOf(count));
			long high = b.get("highNs").asLong();
			String mark = (low <= 1_000_000_000L && high > 1_000_000_000L) ? "1 s"
					: (low <= 3_000_000_000L && high > 3_000_000_000L) ? "3 s" : null;
			assertThat(bar.getDomAttribute("data-mark")).isEqualTo(mark);
		}
		assertThat(slow).as("a lost SYN in the run: the 1 s spike is there to draw").isPositive();
		List<String> marks = this.driver.findElements(By.cssSelector("#latency-chart svg text.mark-label"))
			.stream()
			.map(WebElement::getText)
			.toList();
		assertThat(marks).containsExactly("1 s", "3 s");
		assertThat(this.driver.findElement(By.id("latency-caption")).getText()).contains("once (1 s) or twice (3 s)");

		for (Dimension size : List.of(new Dimension(1024, 768), new Dimension(1280, 720))) {
			this.driver.manage().window().setSize(size);
			Object overflow = this.driver
				.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
			assertThat(((Number) overflow).intValue()).as("sideways scroll at " + size).isLessThanOrEqualTo(0);
			this.driver.executeScript("document.getElementById('windows').scrollIntoView()");
			Browser.screenshot(this.driver, "experiments-windows-" + size.width);
			this.driver.executeScript("document.getElementById('latency-chart').scrollIntoView()");
			Browser.screenshot(this.driver, "experiments-latency-" + size.width);
			this.driver.executeScript("document.getElementById('counters-table').scrollIntoView()");
			Browser.screenshot(this.driver, "experiments-counters-" + size.width);
		}
		this.driver.manage().window().setSize(new Dimension(1280, pageHeight()));
		Browser.screenshot(this.driver, "experiments-preset-page-1280");
	}

	private int selectedIndex() {
		return Integer.parseInt(this.driver.findElement(By.cssSelector("#results-table tbody tr[aria-selected='true']"))
			.getDomAttribute("data-index"));
	}

	/** A number as JavaScript's String() writes it (the chart's data attributes). */
	private static String number(double x) {
		if (x == Math.rint(x) && Math.abs(x) < 1e15) {
			return String.valueOf((long) x);
		}
		String s = Double.toString(x);
		if (s.contains("E")) {
			return new java.math.BigDecimal(s).stripTrailingZeros().toPlainString();
		}
		return s;
	}

	/**
	 * The result event of /api/experiments for a query, asked again (the runs are
	 * seeded).
	 */
	private JsonNode getJson(String path) throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		return JsonMapper.builder().build().readTree(response.body());
	}

	private JsonNode apiResult(String query) throws Exception {
		HttpClient client = HttpClient.newHttpClient();
		HttpResponse<String> response = client
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/api/experiments?" + query))
				.header("Accept", "text/event-stream")
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);
		String[] parts = response.body().split("event:result\n");
		assertThat(parts).hasSize(2);
		String data = parts[1].lines().filter((l) -> l.startsWith("data:")).findFirst().orElseThrow().substring(5);
		return JsonMapper.builder().build().readTree(data);
	}

	private void type(String name, String value) {
		WebElement input = this.driver.findElement(By.name(name));
		input.clear();
		input.sendKeys(value);
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
