package dev.racetrack.web.lab;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.racetrack.browser.Browser;
import dev.racetrack.browser.Browsers;
import dev.racetrack.browser.LabPage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The port search drawn on the node, in a real headless Chromium: the SNAT port race with
 * six pods bound to port 32000 on 4.17 {@code default}, where two CPUs read the rover
 * together, both find the same port taken and both choose the same free one (the walkers
 * meet on one cell, ringed), and the same run with {@code --random-fully}, whose walkers
 * start from two random bases and never meet. The moment is found by what the drawing
 * shows, stepping one event at a time, never by a step number; the walkers' cells come
 * from the server's events. At 1024×768, 1280×720 and 1920×1080, plain and projector, the
 * stage still fits, its text and marks (the walkers, the cells, the ring) meet the
 * contrast floors, and a screenshot is kept ({@code target/screenshots/walkers-*.png}).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalkersBrowserTests implements LabPage {

	static final String RACE = "/?scenario=snat-port-race&kernel=4.17&pods=6";

	@LocalServerPort
	int port;

	ChromeDriver driver;

	@Override
	public ChromeDriver driver() {
		return this.driver;
	}

	@RegisterExtension
	static final Browsers browsers = new Browsers();

	@BeforeAll
	void start() {
		this.driver = browsers.start(1280, 720);
	}

	@Test
	void twoWalkersFromOneBaseMeetAtTheFirstFreePortAtEverySize() {
		Browser.viewport(this.driver, 1280, 720);
		// The way there: the SNAT race's intro card links the six-pod run.
		this.driver.get("http://localhost:" + this.port + "/?scenario=snat-port-race&kernel=4.17&mode=default");
		waitUntilReady();
		WebElement link = this.driver.findElement(By.cssSelector("#intro .intro-try-link"));
		assertThat(link.isDisplayed()).isTrue();
		assertThat(link.getText()).isEqualTo("Six pods: the port search");
		link.click();
		waitFor((d) -> d.getCurrentUrl().contains("pods=6"));
		waitUntilReady();
		assertThat(this.driver.getCurrentUrl()).contains("scenario=snat-port-race", "kernel=4.17", "mode=default");
		assertThat(this.driver.findElement(By.cssSelector("#knobs [name='pods']")).getDomProperty("value"))
			.isEqualTo("6");
		press(Keys.ARROW_RIGHT);
		waitFor((d) -> step() == 0);
		// Step by step until two walkers stand together on a free port past a taken one
		// (the rover race), keeping where each CPU's walker stood.
		List<String> trail = new ArrayList<>();
		long meet = -1;
		while (meet < 0) {
			assertThat(step()).as("two walkers meet within the run's first 200 steps").isLessThan(200);
			right();
			List<String> walkers = walkers();
			if (!walkers.isEmpty()) {
				trail.add(step() + ":" + String.join(",", walkers));
			}
			if (!this.driver.findElements(By.cssSelector("#node .walk-meet")).isEmpty()
					&& !this.driver.findElements(By.cssSelector("#node .port-cell.taken")).isEmpty()) {
				meet = step();
			}
		}
		// The walkers advanced one cell a step: both stood on the base, then both on the
		// taken port, then the free one.
		assertThat(trail).as("the walk, step by step").anyMatch((t) -> t.endsWith(":0@1024,1@1024"));
		assertThat(trail.get(trail.size() - 1)).endsWith(":0@1025,1@1025");
		assertMeeting("1024", "1025");
		for (int[] size : new int[][] { { 1024, 768 }, { 1280, 720 }, { 1920, 1080 } }) {
			for (String theme : List.of("plain", "projector")) {
				Browser.viewport(this.driver, size[0], size[1]);
				open(RACE + "&mode=default" + ("projector".equals(theme) ? "&theme=projector" : ""), meet);
				assertMeeting("1024", "1025");
				assertFits(size[0] + "x" + size[1] + " " + theme, "projector".equals(theme));
				Browser.screenshot(this.driver, "walkers-" + size[0] + "x" + size[1] + "-" + theme);
			}
		}
	}

	@Test
	void withRandomFullyTheWalkersStartApartAndNeverMeet() {
		for (String theme : List.of("plain", "projector")) {
			Browser.viewport(this.driver, 1280, 720);
			open(RACE + "&mode=random-fully" + ("projector".equals(theme) ? "&theme=projector" : ""), 0);
			long both = -1;
			for (int i = 0; i < 120; i++) {
				right();
				assertThat(this.driver.findElements(By.cssSelector("#node .walk-meet"))).as("step %d", step())
					.isEmpty();
				List<WebElement> walkers = this.driver.findElements(By.cssSelector("#node .walker"));
				if (walkers.size() == 2 && both < 0) {
					both = step();
					assertThat(walkers.get(0).getDomAttribute("data-port"))
						.isNotEqualTo(walkers.get(1).getDomAttribute("data-port"));
					assertThat(this.driver.findElements(By.cssSelector("#node .port-strip"))).hasSize(2)
						.noneMatch((s) -> s.getDomAttribute("class").contains("shared-strip"));
					assertFits("1280x720 " + theme + " random-fully", "projector".equals(theme));
					Browser.screenshot(this.driver, "walkers-random-fully-1280x720-" + theme);
				}
			}
			assertThat(both).as("two CPUs walk at once").isPositive();
		}
	}

	/**
	 * Two walkers on one cell, ringed, the taken port before it, the rover line saying
	 * it.
	 */
	private void assertMeeting(String taken, String free) {
		List<WebElement> walkers = this.driver.findElements(By.cssSelector("#node .walker"));
		assertThat(walkers).hasSize(2);
		assertThat(walkers).extracting((w) -> w.getDomAttribute("data-cpu")).containsExactly("0", "1");
		assertThat(walkers).extracting((w) -> w.getDomAttribute("data-port")).containsOnly(free);
		assertThat(walkers.get(0).getDomAttribute("data-x")).isEqualTo(walkers.get(1).getDomAttribute("data-x"));
		WebElement cell = this.driver.findElement(By.cssSelector("#node .port-cell[data-port='" + free + "']"));
		assertThat(cell.getDomAttribute("data-state")).isEqualTo("free");
		assertThat(this.driver.findElement(By.cssSelector("#node .port-cell[data-port='" + taken + "']"))
			.getDomAttribute("data-state")).isEqualTo("taken");
		// Drawn where the cell is: each walker's middle over the cell's, one above and
		// one
		// below the strip.
		Map<?, ?> at = (Map<?, ?>) this.driver.executeScript(
				"""
						const cell = document.querySelector(`#node .port-cell[data-port='${arguments[0]}'] rect`).getBoundingClientRect();
						const w = [...document.querySelectorAll('#node .walker .walker-box')].map((b) => b.getBoundingClientRect());
						return { dx: Math.max(...w.map((r) => Math.abs(r.left + r.width / 2 - (cell.left + cell.width / 2)))),
						  above: w[0].bottom <= cell.top, below: w[1].top >= cell.bottom };
						""",
				free);
		assertThat(((Number) at.get("dx")).doubleValue()).isLessThan(1.0);
		assertThat(at.get("above")).isEqualTo(true);
		assertThat(at.get("below")).isEqualTo(true);
		List<WebElement> meets = this.driver.findElements(By.cssSelector("#node .walk-meet"));
		assertThat(meets).hasSize(1);
		assertThat(meets.get(0).getDomAttribute("data-port")).isEqualTo(free);
		assertThat(meets.get(0).getDomAttribute("data-cpus")).isEqualTo("0 1");
		assertThat((String) this.driver.executeScript(
				"return [...document.querySelectorAll('#node .rover text, #node .port-strip > title')].map((t) => t.textContent).join(' | ')"))
			.contains("both on " + free);
	}

	/** Each drawn walker as {@code cpu@port}. */
	private List<String> walkers() {
		return this.driver.findElements(By.cssSelector("#node .walker"))
			.stream()
			.map((w) -> w.getDomAttribute("data-cpu") + "@" + w.getDomAttribute("data-port"))
			.toList();
	}

	@SuppressWarnings("unchecked")
	private void assertFits(String where, boolean projector) {
		// Measured at rest: a token still flying in from cni0 (650 ms at most) may
		// cross a strip on its way.
		try {
			Thread.sleep(800);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		Map<String, Object> r = (Map<String, Object>) this.driver.executeScript(StageBrowserTests.REPORT,
				projector ? 18 : 12);
		assertThat((List<String>) r.get("overflow")).as("%s: horizontal overflow", where).isEmpty();
		assertThat((List<String>) r.get("outside")).as("%s: controls outside or covered", where).isEmpty();
		assertThat((List<String>) r.get("small")).as("%s: text under the floor", where).isEmpty();
		assertThat((List<String>) r.get("contrast")).as("%s: text contrast under 4.5:1", where).isEmpty();
		assertThat((List<String>) r.get("marks")).as("%s: marks under 3:1", where).isEmpty();
		assertThat((List<String>) r.get("narration")).as("%s: the narration does not fit", where).isEmpty();
	}

	private void right() {
		long before = step();
		press(Keys.ARROW_RIGHT);
		waitFor((d) -> step() > before);
	}

	/** Opens the Lab at {@code step} (its permalink). */
	private void open(String path, long step) {
		this.driver.get("http://localhost:" + this.port + path + "&step=" + step);
		waitUntilReady();
		waitFor((d) -> step() == step);
	}

}
