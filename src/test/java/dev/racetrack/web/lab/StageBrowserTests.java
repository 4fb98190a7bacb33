package dev.racetrack.web.lab;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.racetrack.browser.Browser;
import dev.racetrack.browser.Browsers;
import dev.racetrack.browser.LabPage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lab as a stage, in a real headless Chromium at the projector sizes a teacher is
 * given (1024×768, 1280×720, 1920×1080), plain and {@code ?theme=projector}: for the SNAT
 * race and race 3, at every one of their beats, nothing overflows sideways (the page or
 * any panel), every control is inside the viewport and not covered, the conntrack
 * {@code reply} and {@code state} cells are whole, the stage's boxes are the same at
 * every step, the narration fits its room, text sizes and contrasts are above the floors
 * (computed from the rendered styles: 18 px and 4.5:1 in projector mode, 12 px in plain;
 * marks 3:1), and after an animated step the clock and the pods' timers show exactly the
 * step's time. And picking a scenario loads its own defaults and shows its own race. One
 * browser for the class.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StageBrowserTests implements LabPage {

	@LocalServerPort
	int port;

	ChromeDriver driver;

	final JsonMapper json = JsonMapper.builder().build();

	final HttpClient http = HttpClient.newHttpClient();

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

	@ParameterizedTest(name = "{0} {1}×{2} {3}")
	@CsvSource({ "snat-port-race, 1024, 768, plain", "snat-port-race, 1024, 768, projector",
			"snat-port-race, 1280, 720, plain", "snat-port-race, 1280, 720, projector",
			"snat-port-race, 1920, 1080, plain", "snat-port-race, 1920, 1080, projector",
			"dnat-race-3, 1024, 768, plain", "dnat-race-3, 1024, 768, projector", "dnat-race-3, 1280, 720, plain",
			"dnat-race-3, 1280, 720, projector", "dnat-race-3, 1920, 1080, plain",
			"dnat-race-3, 1920, 1080, projector" })
	void theStageFitsAtEveryBeat(String scenario, int width, int height, String theme) throws Exception {
		boolean projector = "projector".equals(theme);
		Browser.viewport(this.driver, width, height);
		open("/?scenario=" + scenario + "&kernel=4.17" + (projector ? "&theme=projector" : ""));
		JsonNode run = simulate("scenario=" + scenario + "&kernel=4.17");
		List<Long> beats = new ArrayList<>();
		run.get("beats").forEach((b) -> beats.add(b.get("step").asLong()));
		assertThat(beats).hasSizeGreaterThanOrEqualTo(5);
		String name = scenario + "-" + width + "x" + height + "-" + theme;
		// The intro card tells the story before the first step.
		assertThat(this.driver.findElement(By.id("intro")).isDisplayed()).isTrue();
		assertThat(this.driver.findElement(By.id("intro-watch")).getText()).startsWith("Watch");
		Map<String, Object> first = report(projector);
		assertFits(first, name + " intro");
		String introFits = (String) this.driver.executeScript("""
				const c = document.getElementById('intro');
				return (c.scrollHeight <= c.clientHeight + 1 && c.scrollWidth <= c.clientWidth + 1) ? ''
				    : c.scrollWidth + '×' + c.scrollHeight + ' in ' + c.clientWidth + '×' + c.clientHeight;""");
		assertThat(introFits).as("%s: the intro card shows whole, without a scroll bar", name).isEmpty();
		Browser.screenshot(this.driver, "stage-" + name + "-intro");
		Object boxes = first.get("boxes");
		for (long beat : beats) {
			while (step() < beat) {
				long before = step();
				press("n");
				waitFor((d) -> step() > before);
			}
			assertThat(step()).as("the next mark reaches the beat").isEqualTo(beat);
			waitFor((d) -> d.findElement(By.id("beat")).isDisplayed());
			Map<String, Object> r = report(projector);
			assertFits(r, name + " at beat " + beat);
			assertThat(r.get("boxes"))
				.as("%s at beat %d: the stage, panels, caption and controls keep their boxes", name, beat)
				.isEqualTo(boxes);
			if (beat == clashBeat(run)) {
				Browser.screenshot(this.driver, "stage-" + name + "-clash");
			}
		}
		Browser.screenshot(this.driver, "stage-" + name + "-summary");
		// An animated step lands on the step's time: the timer that fires after the drop,
		// stepped into from the step before.
		long fire = firstStepOf(run, "timer-fire");
		press(Keys.HOME);
		waitFor((d) -> step() == -1);
		while (step() < fire) {
			long before = step();
			press("n");
			waitFor((d) -> step() > before);
		}
		press(Keys.ARROW_LEFT);
		waitFor((d) -> step() == fire - 1);
		press(Keys.ARROW_RIGHT);
		waitFor((d) -> step() == fire);
		assertClockAndTimersAt(run, fire);
		// And an ordinary step, a few microseconds long.
		press(Keys.ARROW_RIGHT);
		waitFor((d) -> step() == fire + 1);
		assertClockAndTimersAt(run, fire + 1);
	}

	@Test
	void eachScenarioBringsItsOwnDefaultsAndItsRace() throws Exception {
		Browser.viewport(this.driver, 1280, 720);
		open("/?scenario=snat-port-race");
		JsonNode catalogue = get("/api/catalogue");
		new Select(this.driver.findElement(By.name("scenario"))).selectByValue("dnat-race-3");
		waitFor((d) -> d.getCurrentUrl().contains("scenario=dnat-race-3") && step() == -1 && total() > 0
				&& "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
		assertKnobsAreTheDefaultsOf(catalogue, "dnat-race-3");
		// Race 3: two endpoints, and the two queries DNATed to two different targets.
		assertThat(this.driver.findElements(By.cssSelector("#node .endpoint"))).hasSize(2);
		long twoTargets = -1;
		while (twoTargets < 0) {
			long before = step();
			press("n");
			waitFor((d) -> step() > before);
			String beat = this.driver.findElement(By.id("beat-text")).getText();
			if (beat.contains("two different reply tuples")) {
				twoTargets = step();
			}
		}
		press(Keys.ARROW_RIGHT);
		waitFor((d) -> d.findElements(By.cssSelector("#tokens .token.has-sub")).size() == 2);
		List<String> targets = this.driver.findElements(By.cssSelector("#tokens .token-sub"))
			.stream()
			.map((e) -> e.getText().trim())
			.filter((t) -> !t.isEmpty())
			.toList();
		assertThat(targets).hasSize(2).doesNotHaveDuplicates().allMatch((t) -> t.matches("→ 10\\.32\\.0\\.\\d+:53"));
		List<String> replies = this.driver.findElements(By.cssSelector("#conntrack td.reply"))
			.stream()
			.map((e) -> e.getText().replaceAll(":\\d+ →.*", ""))
			.toList();
		assertThat(replies).hasSize(2).doesNotHaveDuplicates();
		Browser.screenshot(this.driver, "stage-scenario-switch-race3-two-targets");

		// Back to the SNAT race: two pods on port 32000, one endpoint, and its drop.
		new Select(this.driver.findElement(By.name("scenario"))).selectByValue("snat-port-race");
		waitFor((d) -> d.getCurrentUrl().contains("scenario=snat-port-race") && step() == -1 && total() > 0
				&& "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
		assertKnobsAreTheDefaultsOf(catalogue, "snat-port-race");
		while (!this.driver.findElement(By.id("caption")).getText().contains("loses the race")) {
			long before = step();
			press("n");
			waitFor((d) -> step() > before);
		}
		assertThat(counter(1, "insert_failed")).isEqualTo("1");
		assertThat(this.driver.findElements(By.cssSelector("#conntrack mark.shared"))).as("the shared port is marked")
			.isNotEmpty();
		assertThat(this.driver.findElement(By.id("warning")).isDisplayed()).isFalse();

		// A knob that takes the race away is named, with the way back.
		open("/?scenario=dnat-race-3&endpoints=1");
		waitFor((d) -> d.findElement(By.id("warning")).isDisplayed());
		assertThat(this.driver.findElement(By.id("warning")).getText()).contains("endpoints 1")
			.contains("DNS race 3 cannot happen")
			.contains("back to 2");
		Browser.screenshot(this.driver, "stage-race3-one-endpoint-warning");
		assertTheWarningCoversNothing("1280x720");
		// Narrower, in the projector's type: the warning wraps, and still keeps its own
		// room.
		Browser.viewport(this.driver, 1024, 768);
		open("/?scenario=snat-port-race&mode=random-fully&theme=projector");
		waitFor((d) -> d.findElement(By.id("warning")).isDisplayed());
		assertTheWarningCoversNothing("1024x768 projector");
		for (int i = 0; i < 3; i++) {
			long before = step();
			press("n");
			waitFor((d) -> step() > before);
		}
		assertTheWarningCoversNothing("1024x768 projector, playing");
		Browser.screenshot(this.driver, "stage-snat-random-fully-warning-1024x768-projector");
	}

	/** The warning stands below the drawing and its tokens, never over them. */
	private void assertTheWarningCoversNothing(String where) {
		waitFor((d) -> (Boolean) ((org.openqa.selenium.JavascriptExecutor) d)
			.executeScript("const w = document.getElementById('warning').getBoundingClientRect();"
					+ "return document.querySelector('.stage-area .node-svg').getBoundingClientRect().bottom <= w.top"
					+ " && document.querySelector('.tokens-overlay').getBoundingClientRect().bottom <= w.top;"));
		Number drawn = (Number) this.driver
			.executeScript("const w = document.getElementById('warning').getBoundingClientRect();"
					+ "let worst = -1e9; for (const e of document.querySelectorAll('.stage-area .node-svg text')) {"
					+ " const r = e.getBoundingClientRect(); if (r.width > 0) worst = Math.max(worst, r.bottom - w.top); }"
					+ "return worst;");
		assertThat(drawn.doubleValue()).as("%s: every label of the drawing ends above the warning", where)
			.isLessThanOrEqualTo(0.5);
	}

	@Test
	void errorsSayWhatToDoAndNothingKeepsLoading() {
		Browser.viewport(this.driver, 1280, 720);
		open("/?scenario=snat-port-race");
		this.driver.findElement(By.cssSelector(".knob-more")).click();
		org.openqa.selenium.WebElement pods = this.driver.findElement(By.name("pods"));
		pods.clear();
		pods.sendKeys("500", Keys.TAB);
		waitFor((d) -> d.findElement(By.id("knob-error")).isDisplayed());
		assertThat(this.driver.findElement(By.id("knob-error")).getText()).contains("pods")
			.contains("500")
			.contains("128");
		Browser.screenshot(this.driver, "stage-error-500-pods");
		// A run too large to replay says so in the user's words, and stops loading.
		this.driver.get("http://localhost:" + this.port + "/?scenario=tcp-free-play&pods=128&rounds=1000");
		waitFor((d) -> "error".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
		String said = this.driver.findElement(By.id("status-text")).getText();
		assertThat(said).contains("too large to replay")
			.contains("Lower pods or rounds")
			.doesNotContain("events=false");
		assertThat(caption()).isEqualTo(said).doesNotContain("loading");
		Browser.screenshot(this.driver, "stage-error-run-too-large");
	}

	@Test
	void theTableTwinIsTheSameOneScreenLesson() {
		Browser.viewport(this.driver, 1024, 768);
		open("/?scenario=snat-port-race&theme=projector");
		String stage = (String) this.driver.executeScript(
				"const r = document.querySelector('.stage-area').getBoundingClientRect(); return [r.x, r.y, r.width, r.height].join()");
		while (step() < 27) {
			long before = step();
			press("n");
			waitFor((d) -> step() > before);
		}
		press("t");
		waitFor((d) -> d.findElement(By.id("steps")).isDisplayed());
		assertThat(this.driver.findElement(By.cssSelector("#toggle-table")).getDomAttribute("aria-pressed"))
			.isEqualTo("true");
		// The page does not scroll: the table scrolls in the stage's own room, around
		// this step.
		assertThat((Boolean) this.driver.executeScript(
				"return document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth"))
			.isTrue();
		assertThat(this.driver.executeScript(
				"const r = document.querySelector('.stage-area').getBoundingClientRect(); return [r.x, r.y, r.width, r.height].join()"))
			.isEqualTo(stage);
		assertThat((Boolean) this.driver
			.executeScript("const row = document.querySelector('#steps tr.current').getBoundingClientRect();"
					+ " const box = document.getElementById('steps-wrap').getBoundingClientRect();"
					+ " return row.top >= box.top && row.bottom <= box.bottom"))
			.as("the current step is in view")
			.isTrue();
		assertThat(this.driver.findElement(By.cssSelector("#steps tr.drop")).getText()).contains("28").contains("▲");
		assertThat(this.driver.findElements(By.cssSelector("#steps tr.beat-row"))).isNotEmpty()
			.allSatisfy((r) -> assertThat(r.getText()).startsWith("◆ Beat:"));
		Map<String, Object> r = report(true);
		assertThat((List<?>) r.get("overflow")).isEmpty();
		assertThat((List<?>) r.get("small")).isEmpty();
		assertThat((List<?>) r.get("contrast")).isEmpty();
		Browser.screenshot(this.driver, "stage-table-twin-1024x768-projector");
		press("t");
		waitFor((d) -> d.findElement(By.id("node")).isDisplayed());
	}

	@Test
	void keyboardAndScreenReaders() {
		Browser.viewport(this.driver, 1280, 720);
		open("/?scenario=snat-port-race");
		// The skip link is the first stop and lands on Play.
		this.driver.findElement(By.tagName("body")).sendKeys(Keys.TAB);
		assertThat(this.driver.switchTo().activeElement().getText()).isEqualTo("Skip to the time controls");
		this.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
		waitFor((d) -> "play".equals(d.switchTo().activeElement().getDomAttribute("id")));
		// The timeline is a slider a keyboard reaches, with its values.
		org.openqa.selenium.WebElement timeline = this.driver.findElement(By.id("timeline"));
		assertThat(timeline.getDomAttribute("tabindex")).isEqualTo("0");
		assertThat(timeline.getDomAttribute("aria-valuemax")).isEqualTo(String.valueOf(total() - 1));
		timeline.click();
		waitFor((d) -> step() > 0 && String.valueOf(step()).equals(timeline.getDomAttribute("aria-valuenow")));
		long at = step();
		assertThat(timeline.getDomAttribute("aria-valuenow")).isEqualTo(String.valueOf(at));
		this.driver.switchTo().activeElement().sendKeys(Keys.ARROW_RIGHT);
		waitFor((d) -> step() == at + 1);
		assertThat(timeline.getDomAttribute("aria-valuenow")).isEqualTo(String.valueOf(at + 1));
		assertThat(timeline.getDomAttribute("aria-valuetext")).startsWith("step " + (at + 1) + " of ");
		// Toggles say whether they are on.
		this.driver.findElement(By.cssSelector(".view-menu .menu-button")).click();
		org.openqa.selenium.WebElement motion = this.driver.findElement(By.id("toggle-motion"));
		assertThat(motion.getDomAttribute("aria-pressed")).isEqualTo("false");
		motion.click();
		assertThat(motion.getDomAttribute("aria-pressed")).isEqualTo("true");
		motion.click();
		assertThat(motion.getDomAttribute("aria-pressed")).isEqualTo("false");
		press(Keys.ESCAPE);
		// While playing, the live region says the beats only.
		press(Keys.HOME);
		waitFor((d) -> step() == -1);
		this.driver.executeScript(
				"window.__said = []; new MutationObserver(() => __said.push(document.getElementById('narrate').textContent))"
						+ ".observe(document.getElementById('narrate'), {childList: true, characterData: true, subtree: true})");
		for (int i = 0; i < 6; i++) {
			press("+");
		}
		press(" ");
		waitFor((d) -> d.findElement(By.id("beat")).isDisplayed()
				&& "false".equals(d.findElement(By.id("play")).getDomAttribute("aria-pressed")));
		@SuppressWarnings("unchecked")
		List<String> said = (List<String>) this.driver.executeScript("return window.__said");
		assertThat(step()).isGreaterThan(5);
		assertThat(said).as("narrated while playing to the first beat")
			.isNotEmpty()
			.allMatch((s) -> s.startsWith("Beat: "));
		assertThat(this.driver.findElement(By.id("narration-fit")).getDomAttribute("aria-live")).isNull();
	}

	@Test
	void exportsAreOneClickAwayAtThisStep() throws Exception {
		Browser.viewport(this.driver, 1280, 720);
		open("/?scenario=snat-port-race");
		while (step() < 27) {
			long before = step();
			press("n");
			waitFor((d) -> step() > before);
		}
		this.driver.findElement(By.cssSelector(".export-menu .menu-button")).click();
		waitFor((d) -> d.findElement(By.id("export-menu")).isDisplayed());
		List<String> pcaps = this.driver.findElements(By.cssSelector("#export-pcaps a"))
			.stream()
			.map((a) -> a.getDomProperty("href"))
			.toList();
		assertThat(pcaps).hasSize(4).allMatch((h) -> h.contains("/api/export/pcap?") && h.contains("&step=27"));
		assertThat(pcaps).anyMatch((h) -> h.contains("iface=cni0")).anyMatch((h) -> h.contains("iface=eth0"));
		for (String href : pcaps) {
			HttpResponse<byte[]> res = this.http.send(HttpRequest.newBuilder(URI.create(href)).build(),
					HttpResponse.BodyHandlers.ofByteArray());
			assertThat(res.statusCode()).isEqualTo(200);
			assertThat(res.headers().firstValue("X-Racetrack-Step")).hasValue("27");
		}
		String list = this.driver.findElement(By.id("export-list")).getDomProperty("href");
		HttpResponse<String> l = this.http.send(HttpRequest.newBuilder(URI.create(list)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(l.body()).startsWith("tcp").contains("dport=32000");
		String stats = this.driver.findElement(By.id("export-stats")).getDomProperty("href");
		assertThat(
				this.http.send(HttpRequest.newBuilder(URI.create(stats)).build(), HttpResponse.BodyHandlers.ofString())
					.body())
			.contains("insert_failed=1");
		String replay = this.driver.findElement(By.id("download-replay")).getDomProperty("href");
		assertThat(replay).contains("/api/export/replay?").contains("&step=27");
		HttpResponse<String> file = this.http.send(HttpRequest.newBuilder(URI.create(replay)).build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(file.body()).contains("\"step\":27");
		Browser.screenshot(this.driver, "stage-export-menu");
	}

	@Test
	void theSmallDefectsAreGone() {
		Browser.viewport(this.driver, 1280, 720);
		// The inspector says an entry was freed, not "unconfirmed".
		this.driver.get("http://localhost:" + this.port + "/?scenario=snat-port-race&step=27");
		waitFor((d) -> step() == 27);
		this.driver.findElement(By.cssSelector("#conntrack tr[data-ct='2']")).click();
		waitFor((d) -> d.findElement(By.id("inspector")).isDisplayed());
		assertThat(this.driver.findElement(By.cssSelector("#inspector .ct-tuples")).getText()).contains("#2 tcp")
			.contains("freed: its insert failed");
		press(Keys.ESCAPE);
		// On 5.6 the entry kept as a clash entry is never flashed as a loser.
		open("/?scenario=dnat-race-3&kernel=5.6");
		while (!this.driver.findElement(By.id("caption")).getText().contains("__nf_conntrack_confirm")
				|| this.driver.findElements(By.cssSelector("#conntrack tr.clash")).isEmpty()) {
			long before = step();
			press(Keys.ARROW_RIGHT);
			waitFor((d) -> step() > before);
		}
		assertThat(this.driver.findElements(By.cssSelector("#conntrack tr.flash-loser"))).isEmpty();
		assertThat(this.driver.findElements(By.cssSelector("#conntrack tr.flash-kept"))).hasSize(1);
		// DNS captions end with one dot.
		press(Keys.HOME);
		press(Keys.ARROW_RIGHT);
		waitFor((d) -> step() == 0);
		assertThat(caption()).endsWith("cluster.local.").doesNotContain("..");
		// random-fully never reads the rover, and the drawing says so.
		open("/?scenario=snat-port-race&mode=random-fully");
		while (this.driver.findElements(By.cssSelector("#node .rover-text")).isEmpty() && step() < 40) {
			long before = step();
			press(Keys.ARROW_RIGHT);
			waitFor((d) -> step() > before);
		}
		List<String> rover = this.driver.findElements(By.cssSelector("#node .rover-detail"))
			.stream()
			.map((e) -> e.getText())
			.toList();
		assertThat(rover).noneMatch((t) -> t.contains("shared by every CPU"));
	}

	// --- the checks

	private void assertKnobsAreTheDefaultsOf(JsonNode catalogue, String scenario) {
		JsonNode defaults = null;
		for (JsonNode s : catalogue.get("scenarios")) {
			if (s.get("id").asString().equals(scenario)) {
				defaults = s.get("defaults");
			}
		}
		assertThat(defaults).isNotNull();
		for (String knob : List.of("kernel", "mode", "resolver", "pods", "rounds", "sourcePort", "cpus", "endpoints",
				"seed", "mitigation")) {
			String shown = this.driver.findElement(By.cssSelector("#knobs [name='" + knob + "']"))
				.getDomProperty("value");
			assertThat(shown).as("%s's %s", scenario, knob).isEqualTo(defaults.get(knob).asString());
		}
	}

	@SuppressWarnings("unchecked")
	private void assertFits(Map<String, Object> r, String where) {
		assertThat((List<String>) r.get("overflow")).as("%s: horizontal overflow", where).isEmpty();
		assertThat((List<String>) r.get("outside")).as("%s: controls outside the viewport or covered", where).isEmpty();
		assertThat((List<String>) r.get("clipped")).as("%s: clipped reply or state cells", where).isEmpty();
		assertThat((List<String>) r.get("small")).as("%s: text under the floor", where).isEmpty();
		assertThat((List<String>) r.get("contrast")).as("%s: text contrast under 4.5:1", where).isEmpty();
		assertThat((List<String>) r.get("marks")).as("%s: marks under 3:1", where).isEmpty();
		assertThat((List<String>) r.get("narration")).as("%s: the narration does not fit its room", where).isEmpty();
		assertThat(((Number) r.get("checkedTexts")).intValue()).as("%s: texts checked", where).isGreaterThan(40);
	}

	private void assertClockAndTimersAt(JsonNode run, long step) {
		JsonNode e = run.get("events").get((int) step);
		long t = e.get("t").asLong();
		String expected = "t = " + simTime(t);
		// The animation lasts at most 650 ms; then the clock must sit exactly on the
		// step's
		// time (and stay there).
		waitFor((d) -> expected.equals(textContent("clock")));
		Map<String, Long> armed = new java.util.TreeMap<>();
		Map<String, String> podOf = new java.util.HashMap<>();
		for (int i = 0; i <= step; i++) {
			JsonNode ev = run.get("events").get(i);
			JsonNode c = ev.get("change");
			switch (ev.get("type").asString()) {
				case "flow-start" -> podOf.put(c.get("flow").get("id").asString(), c.get("flow").get("pod").asString());
				case "timer-set" -> armed.put(podOf.get(c.get("flow").asString()), c.get("expiresAt").asLong());
				case "timer-fire", "timer-clear" -> armed.remove(podOf.get(c.get("flow").asString()));
				default -> {
				}
			}
		}
		for (Map.Entry<String, Long> a : armed.entrySet()) {
			String left = String.format(java.util.Locale.ROOT, "%.3f s", (a.getValue() - t) / 1e9);
			Object shown = this.driver.executeScript(
					"return document.querySelector(`#node .pod-timer[data-pod='${arguments[0]}']`)?.textContent",
					a.getKey());
			assertThat(shown).as("%s's timer at step %d", a.getKey(), step).isEqualTo(left);
		}
		try {
			Thread.sleep(120);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		assertThat(textContent("clock")).as("the clock stays on the step's time").isEqualTo(expected);
	}

	/** The Lab's sim time format: "1.001 000 1 s", digits grouped by three. */
	static String simTime(long ns) {
		long whole = ns / 1_000_000_000L;
		String frac = String.format("%09d", ns % 1_000_000_000L).replaceAll("0+$", "");
		if (frac.isEmpty()) {
			return whole + " s";
		}
		StringBuilder grouped = new StringBuilder();
		for (int i = 0; i < frac.length(); i += 3) {
			if (i > 0) {
				grouped.append('\u2009');
			}
			grouped.append(frac, i, Math.min(frac.length(), i + 3));
		}
		return whole + "." + grouped + " s";
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> report(boolean projector) {
		return (Map<String, Object>) this.driver.executeScript(REPORT, projector ? 18 : 12);
	}

	// --- helpers

	private static long clashBeat(JsonNode run) {
		long clash = firstStepOf(run, "ct-clash");
		return clash;
	}

	private static long firstStepOf(JsonNode run, String type) {
		for (JsonNode e : run.get("events")) {
			if (e.get("type").asString().equals(type)) {
				return e.get("seq").asLong();
			}
		}
		throw new AssertionError("no " + type + " in the run");
	}

	private String textContent(String id) {
		return (String) this.driver.executeScript("return document.getElementById(arguments[0]).textContent", id);
	}

	/**
	 * Opens a page at its first step (a session kept by this tab may have been left at
	 * another step by the test before).
	 */
	private void open(String path) {
		this.driver.get("http://localhost:" + this.port + path);
		waitUntilReady();
		waitFor((d) -> step() >= -1);
		for (int tries = 0; step() != -1; tries++) {
			assertThat(tries).as("back to the start: step %d, status '%s'", step(), textContent("status-text"))
				.isLessThan(3);
			press(Keys.HOME);
			try {
				new org.openqa.selenium.support.ui.WebDriverWait(this.driver, Duration.ofSeconds(5))
					.until((d) -> step() == -1);
			}
			catch (org.openqa.selenium.TimeoutException ex) {
				// pressed before the stream began: press again
			}
		}
	}

	private JsonNode simulate(String query) throws Exception {
		return get("/api/simulate?" + query);
	}

	private JsonNode get(String path) throws Exception {
		HttpResponse<String> res = this.http
			.send(HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + path))
				.timeout(Duration.ofSeconds(30))
				.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(res.statusCode()).isEqualTo(200);
		return this.json.readTree(res.body());
	}

	/**
	 * Measures the page as it is rendered: overflow, controls, cells, text sizes and
	 * contrasts (WCAG relative luminance, from computed colours over the background
	 * really behind each text), marks, the narration, and the boxes that must not move.
	 */
	static final String REPORT = """
			const floor = arguments[0];
			const W = innerWidth, H = innerHeight;
			const out = { overflow: [], outside: [], clipped: [], small: [], contrast: [], marks: [], narration: [], boxes: {}, checkedTexts: 0 };
			const name = (el) => el.id ? '#' + el.id : (el.tagName.toLowerCase() + (el.getAttribute('class') ? '.' + String(el.getAttribute('class')).trim().split(/\\s+/).join('.') : ''));
			const shown = (el) => {
			  if (el.closest('[hidden], dialog:not([open]), .sr-only')) return false;
			  const cs = getComputedStyle(el);
			  if (cs.display === 'none' || cs.visibility === 'hidden') return false;
			  return el.getClientRects().length > 0;
			};
			const de = document.documentElement;
			if (de.scrollWidth > W || document.body.scrollWidth > W) out.overflow.push('page ' + de.scrollWidth + ' > ' + W);
			for (const el of document.querySelectorAll('.lab-bar, .knobs, .lab-main, .stage-area, .panels, .panel, .narration, .controls')) {
			  if (shown(el) && el.scrollWidth > el.clientWidth + 1) out.overflow.push(name(el) + ' ' + el.scrollWidth + ' > ' + el.clientWidth);
			}
			for (const el of document.querySelectorAll('.lab-bar button, .lab-bar select, .lab-bar a, .lab-bar input, .controls button, .controls input, #timeline')) {
			  if (!shown(el)) continue;
			  const r = el.getBoundingClientRect();
			  if (r.left < -0.5 || r.top < -0.5 || r.right > W + 0.5 || r.bottom > H + 0.5) { out.outside.push(name(el) + ' at ' + [r.left, r.top, r.right, r.bottom].map(Math.round)); continue; }
			  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
			  if (hit && hit !== el && !el.contains(hit) && !hit.contains(el)) out.outside.push(name(el) + ' covered by ' + name(hit));
			}
			for (const td of document.querySelectorAll('#conntrack td.reply, #conntrack td.ct-state')) {
			  if (!shown(td)) continue;
			  const panel = td.closest('.panel').getBoundingClientRect();
			  const r = td.getBoundingClientRect();
			  if (r.right > panel.right + 0.5 || r.left < panel.left - 0.5 || td.scrollWidth > td.clientWidth + 1) out.clipped.push(td.className + ' ' + td.textContent);
			}
			const rgb = (s) => { const m = String(s).match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
			const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
			const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
			const blend = (top, under) => ({ r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a), b: top.b * top.a + under.b * (1 - top.a), a: 1 });
			const htmlBg = (el) => {
			  const stack = [];
			  for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0) { stack.push(c); if (c.a >= 1) break; } }
			  let bg = { r: 255, g: 255, b: 255, a: 1 };
			  for (let i = stack.length - 1; i >= 0; i--) bg = blend(stack[i], bg);
			  return bg;
			};
			const paintOf = (el) => {
			  if (el instanceof SVGElement) {
			    const f = getComputedStyle(el).fill;
			    if (!f || f === 'none') return null;
			    const url = f.match(/url\\("?#([^")]+)"?\\)/);
			    if (url) { const p = document.getElementById(url[1]); return p ? [...p.querySelectorAll('rect, line')].map((x) => x.tagName === 'line' ? rgb(getComputedStyle(x).stroke) : rgb(getComputedStyle(x).fill)).filter(Boolean) : null; }
			    const c = rgb(f); return c ? [c] : null;
			  }
			  const c = rgb(getComputedStyle(el).backgroundColor);
			  return c && c.a > 0 ? [c.a < 1 ? blend(c, htmlBg(el.parentElement ?? el)) : c] : null;
			};
			const behind = (x, y, skip) => {
			  for (const e of document.elementsFromPoint(x, y)) {
			    if (skip(e)) continue;
			    if (e instanceof SVGElement && !['rect', 'circle', 'path', 'polygon', 'ellipse'].includes(e.tagName)) continue;
			    const p = paintOf(e);
			    if (p) return p;
			  }
			  return [htmlBg(document.body)];
			};
			const texts = [];
			const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
			for (let n = walker.nextNode(); n; n = walker.nextNode()) {
			  if (!n.textContent.trim()) continue;
			  const el = n.parentElement;
			  if (!el || ['SCRIPT', 'STYLE', 'OPTION', 'TITLE'].includes(el.tagName) || !shown(el)) continue;
			  if (!texts.includes(el)) texts.push(el);
			}
			for (const el of texts) {
			  const r = el.getBoundingClientRect();
			  if (r.width === 0 || r.bottom < 0 || r.top > H || r.right < 0 || r.left > W) continue;
			  out.checkedTexts++;
			  const cs = getComputedStyle(el);
			  let size = parseFloat(cs.fontSize);
			  const svg = el instanceof SVGElement;
			  if (svg) size *= el.getScreenCTM()?.a ?? 1;
			  if (size < floor - 0.05) out.small.push(name(el) + ' "' + el.textContent.trim().slice(0, 30) + '" ' + size.toFixed(1) + 'px');
			  const fg = rgb(svg ? cs.fill : cs.color);
			  if (!fg) continue;
			  const bgs = svg ? behind(r.left + r.width / 2, r.top + r.height / 2, (e) => e === el || el.contains(e) || e.contains(el) || e.tagName === 'text' || e.tagName === 'tspan') : [htmlBg(el)];
			  for (const bg of bgs) {
			    const c = ratio(fg.a < 1 ? blend(fg, bg) : fg, bg);
			    if (c < 4.5) out.contrast.push(name(el) + ' "' + el.textContent.trim().slice(0, 30) + '" ' + c.toFixed(2));
			  }
			}
			// Marks: the drop mark against what is behind it, the race windows' borders against the lane, the timeline's marks against the bar.
			for (const g of document.querySelectorAll('#node .drop-mark')) {
			  const c = g.querySelector('circle');
			  const r = c.getBoundingClientRect();
			  const fill = rgb(getComputedStyle(c).fill);
			  for (const bg of behind(r.left + r.width / 2, r.top + r.height / 2, (e) => g.contains(e))) {
			    const v = ratio(fill, bg); if (v < 3) out.marks.push('drop mark ' + v.toFixed(2));
			  }
			}
			const laneFill = rgb(getComputedStyle(document.querySelector('#node .lane')).fill);
			for (const w of document.querySelectorAll('#node .window')) {
			  const v = ratio(rgb(getComputedStyle(w).stroke), laneFill); if (v < 3) out.marks.push(name(w) + ' border ' + v.toFixed(2));
			}
			// The port search: each walker against what is behind it, the cells' borders and the meeting ring against the lane and the node.
			const nodeFill = rgb(getComputedStyle(document.querySelector('#node .node')).fill);
			for (const g of document.querySelectorAll('#node .walker')) {
			  const box = g.querySelector('.walker-box');
			  const r = box.getBoundingClientRect();
			  const fill = rgb(getComputedStyle(box).fill);
			  for (const bg of behind(r.left + 1, r.top + r.height / 2, (e) => e.closest && e.closest('.walks'))) {
			    const v = ratio(fill, bg); if (v < 3) out.marks.push('walker ' + g.getAttribute('data-cpu') + ' ' + v.toFixed(2));
			  }
			}
			for (const c of document.querySelectorAll('#node .port-cell-box, #node .walk-meet-ring')) {
			  for (const bg of [laneFill, nodeFill]) { const v = ratio(rgb(getComputedStyle(c).stroke), bg); if (v < 3) out.marks.push(name(c) + ' ' + v.toFixed(2)); }
			}
			const tlBg = htmlBg(document.getElementById('timeline'));
			for (const m of document.querySelectorAll('#timeline .tl-mark path, #timeline .tl-mark rect')) {
			  const v = ratio(rgb(getComputedStyle(m).fill), tlBg); if (v < 3) out.marks.push('timeline ' + m.parentElement.getAttribute('class') + ' ' + v.toFixed(2));
			}
			for (const t of document.querySelectorAll('#tokens .token-label')) {
			  const r = t.getBoundingClientRect();
			  const own = rgb(getComputedStyle(t).backgroundColor);
			  for (const bg of behind(r.left - 2, r.top + r.height / 2, (e) => e.closest && e.closest('#tokens'))) {
			    const v = ratio(own, bg); if (v < 3) out.marks.push('token ' + t.textContent + ' ' + v.toFixed(2));
			  }
			}
			const fit = document.getElementById('narration-fit');
			if (fit.scrollHeight > fit.clientHeight + 1) out.narration.push('narration ' + fit.scrollHeight + ' > ' + fit.clientHeight);
			const beat = document.getElementById('beat');
			if (!beat.hidden && beat.getBoundingClientRect().bottom > fit.getBoundingClientRect().bottom + 1) out.narration.push('the beat is cut');
			for (const sel of ['.lab-bar', '.stage-area', '#node', '.panels', '.narration', '.controls']) {
			  const r = document.querySelector(sel).getBoundingClientRect();
			  out.boxes[sel] = [r.left, r.top, r.width, r.height].map((v) => Math.round(v * 100) / 100).join(',');
			}
			return out;
			""";

}
