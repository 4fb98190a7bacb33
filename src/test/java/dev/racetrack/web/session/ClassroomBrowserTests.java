package dev.racetrack.web.session;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import dev.racetrack.browser.Browser;
import dev.racetrack.browser.Browsers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A classroom in two headless Chromiums: a presenter's Lab and a follower's
 * {@code /watch/{code}}. The follower follows the presenter's steps live, detaches to
 * explore a copy (the presenter sees it), and snaps back with one key to the presenter's
 * step; both pages keep to the application's Content-Security-Policy.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(LabSessionBrowserTests.CspReports.class)
class ClassroomBrowserTests {

	static final String SNAT = "scenario=snat-port-race&kernel=4.17&mode=default";

	@LocalServerPort
	int port;

	ChromeDriver presenter;

	ChromeDriver follower;

	@RegisterExtension
	final Browsers browsers = new Browsers();

	@Test
	void aFollowerFollowsDetachesAndSnapsBackWhileThePresenterSeesTheAudience() {
		LabSessionBrowserTests.CspReports.CSP_REPORTS.clear();
		this.presenter = this.browsers.start(1920, 1080);
		open(this.presenter, "/?" + SNAT + "&theme=projector");
		String code = text(this.presenter, "follow-code");
		assertThat(code).matches("[A-HJ-NP-Z2-9]{6}");
		assertThat(this.presenter.findElement(By.id("follow-url")).getDomAttribute("href")).isEqualTo("/watch/" + code);
		assertThat(audience(this.presenter)).isEqualTo("0 following");

		this.follower = this.browsers.start(1920, 1080);
		open(this.follower, "/watch/" + code);
		waitFor(() -> audience(this.presenter).equals("1 following"));
		assertThat(text(this.follower, "watch-state")).isEqualTo("Following " + code);
		assertThat(this.follower.findElements(By.cssSelector("#knobs select:enabled"))).as("knobs read-only").isEmpty();

		// The presenter steps with the keys; the follower's step follows, live.
		for (int i = 0; i < 6; i++) {
			long before = step(this.presenter);
			press(this.presenter, Keys.ARROW_RIGHT);
			waitFor(() -> step(this.presenter) == before + 1);
			waitFor(() -> step(this.follower) == before + 1);
		}
		assertThat(step(this.follower)).isEqualTo(5);

		// The follower detaches: the presenter sees it; the follower's keys move their
		// copy only.
		press(this.follower, "d");
		waitFor(() -> audience(this.presenter).equals("1 following · 1 detached"));
		assertThat(this.follower.findElements(By.cssSelector("#knobs select:enabled"))).as("knobs usable on the copy")
			.isNotEmpty();
		press(this.follower, Keys.ARROW_RIGHT);
		press(this.follower, Keys.ARROW_RIGHT);
		press(this.follower, Keys.ARROW_RIGHT);
		waitFor(() -> step(this.follower) == 8);
		press(this.presenter, Keys.ARROW_RIGHT);
		waitFor(() -> step(this.presenter) == 6);
		waitFor(() -> text(this.follower, "watch-state").equals("Your own copy · presenter at step 6"));
		assertThat(step(this.follower)).as("the presenter's step does not move a detached follower").isEqualTo(8);
		assertThat(step(this.presenter)).as("the follower's keys never move the presenter").isEqualTo(6);
		assertThat(this.follower.findElement(By.id("snap-back")).getText()).contains("S");
		Browser.screenshot(this.presenter, "classroom-presenter-1-following-1-detached");
		Browser.screenshot(this.follower, "classroom-follower-detached");

		// One key snaps back to the live stream, at the presenter's step.
		press(this.follower, "s");
		waitFor(() -> step(this.follower) == 6);
		waitFor(() -> audience(this.presenter).equals("1 following"));
		assertThat(text(this.follower, "watch-state")).isEqualTo("Following " + code);
		press(this.presenter, Keys.ARROW_RIGHT);
		waitFor(() -> step(this.follower) == 7);
		Browser.screenshot(this.follower, "classroom-follower-snapped-back");

		// The join card, for the room.
		press(this.presenter, "j");
		waitFor(() -> this.presenter.findElement(By.id("join")).isDisplayed());
		assertThat(this.presenter.findElement(By.cssSelector("#join .join-code")).getText()).isEqualTo(code);
		Browser.screenshot(this.presenter, "classroom-presenter-join-card");
		press(this.presenter, Keys.ESCAPE);
		waitFor(() -> !this.presenter.findElement(By.id("join")).isDisplayed());

		// A follower who leaves is no longer counted.
		this.browsers.quit(this.follower);
		this.follower = null;
		waitFor(() -> audience(this.presenter).equals("0 following"));
		sleep(500);
		assertThat(LabSessionBrowserTests.CspReports.CSP_REPORTS).isEmpty();
	}

	@Test
	void aFollowerClickingTheControlsDetachesAndTheButtonSnapsBack() {
		this.presenter = this.browsers.start(1280, 800);
		open(this.presenter, "/?" + SNAT + "&step=20");
		waitFor(() -> step(this.presenter) == 20);
		String code = text(this.presenter, "follow-code");
		this.follower = this.browsers.start(1280, 800);
		open(this.follower, "/watch/" + code);
		waitFor(() -> step(this.follower) == 20);
		this.follower.findElement(By.id("back")).click();
		waitFor(() -> step(this.follower) == 19);
		waitFor(() -> audience(this.presenter).equals("1 following · 1 detached"));
		assertThat(step(this.presenter)).isEqualTo(20);
		Browser.screenshot(this.follower, "classroom-follower-detached-1280x800");

		// A knob of the copy: another run for the follower alone, at the same step.
		new Select(this.follower.findElement(By.name("mode"))).selectByValue("random-fully");
		waitFor(() -> this.follower.findElement(By.id("download-replay"))
			.getDomAttribute("href")
			.contains("mode=random-fully"));
		waitFor(() -> step(this.follower) == 19);
		assertThat(this.follower.getCurrentUrl()).as("a follower's address stays").endsWith("/watch/" + code);
		assertThat(this.presenter.getCurrentUrl()).contains("mode=default");

		this.follower.findElement(By.id("snap-back")).click();
		waitFor(() -> step(this.follower) == 20);
		waitFor(() -> audience(this.presenter).equals("1 following"));
		assertThat(this.follower.findElement(By.name("mode")).getDomProperty("value")).isEqualTo("default");
		assertThat(this.follower.findElement(By.name("mode")).isEnabled()).isFalse();
	}

	@Test
	void thePresenterChangesTheRunAndReloadsAndTheFollowerStaysWithThem() {
		this.presenter = this.browsers.start(1920, 1080);
		open(this.presenter, "/?" + SNAT);
		String code = text(this.presenter, "follow-code");
		this.follower = this.browsers.start(1920, 1080);
		open(this.follower, "/watch/" + code);
		waitFor(() -> audience(this.presenter).equals("1 following"));

		new Select(this.presenter.findElement(By.name("kernel"))).selectByValue("6.x");
		waitFor(() -> this.presenter.getCurrentUrl().contains("kernel=6.x")
				&& "session".equals(this.presenter.findElement(By.tagName("body")).getDomAttribute("data-source")));
		assertThat(text(this.presenter, "follow-code")).as("the same code for the next run").isEqualTo(code);
		waitFor(() -> "6.x".equals(this.follower.findElement(By.name("kernel")).getDomProperty("value")));
		waitFor(() -> text(this.follower, "step-no").equals(text(this.presenter, "step-no")));
		waitFor(() -> audience(this.presenter).equals("1 following"));
		press(this.presenter, Keys.ARROW_RIGHT);
		press(this.presenter, Keys.ARROW_RIGHT);
		waitFor(() -> step(this.presenter) == 1 && step(this.follower) == 1);

		this.presenter.navigate().refresh();
		open(this.presenter, null);
		assertThat(text(this.presenter, "follow-code")).as("a reload keeps the code").isEqualTo(code);
		waitFor(() -> audience(this.presenter).equals("1 following"));
		press(this.presenter, Keys.ARROW_RIGHT);
		waitFor(() -> step(this.follower) == step(this.presenter));
	}

	// --- helpers

	private void open(ChromeDriver driver, String path) {
		if (path != null) {
			driver.get("http://localhost:" + this.port + path);
		}
		new WebDriverWait(driver, Duration.ofSeconds(20))
			.until((d) -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready"))
					&& d.findElement(By.id("step-no")).getText().contains("/"));
	}

	private static String text(ChromeDriver driver, String id) {
		return driver.findElement(By.id(id)).getText().trim();
	}

	/** The audience badge's sentence (a narrow bar shows its numbers only). */
	private static String audience(ChromeDriver driver) {
		return driver.findElement(By.id("audience")).getDomAttribute("aria-label");
	}

	private static long step(ChromeDriver driver) {
		String s = driver.findElement(By.id("caption")).getDomAttribute("data-step");
		return (s == null) ? -2 : Long.parseLong(s);
	}

	private static void press(ChromeDriver driver, CharSequence key) {
		new Actions(driver).sendKeys(key).perform();
	}

	/**
	 * Waits up to 20 s for {@code condition}; a timeout says what both pages showed then
	 * (step, audience, source, status), so a failure on a busy machine can be read.
	 */
	private void waitFor(BooleanSupplier condition) {
		new WebDriverWait(this.presenter, Duration.ofSeconds(20)).withMessage(this::pages)
			.until((d) -> condition.getAsBoolean());
	}

	private String pages() {
		StringBuilder out = new StringBuilder();
		for (ChromeDriver driver : new ChromeDriver[] { this.presenter, this.follower }) {
			if (driver == null) {
				continue;
			}
			try {
				out.append((driver == this.presenter) ? "presenter" : "follower")
					.append(String.format(" [url %s, step %d, audience %s, source %s, status '%s', watch '%s']; ",
							driver.getCurrentUrl(), step(driver),
							driver.findElements(By.id("audience")).isEmpty() ? "-" : audience(driver),
							driver.findElement(By.tagName("body")).getDomAttribute("data-source"),
							driver.findElements(By.id("status")).isEmpty() ? "" : text(driver, "status"),
							driver.findElements(By.id("watch-state")).isEmpty() ? "" : text(driver, "watch-state")));
			}
			catch (RuntimeException ex) {
				out.append("(page unreadable: ")
					.append(ex.getMessage(), 0, Math.min(80, ex.getMessage().length()))
					.append(") ");
			}
		}
		return out.toString();
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
