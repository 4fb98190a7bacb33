package dev.racetrack.web.session;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.racetrack.browser.Browser;
import dev.racetrack.browser.Browsers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lab's client against the real sessions API ({@code POST /api/sessions}, the event
 * stream, the controls with a bearer token), in headless Chromium, under the
 * application's own Content-Security-Policy.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class LabSessionBrowserTests {

	static final String SNAT = "scenario=snat-port-race&kernel=4.17&mode=default";

	@LocalServerPort
	int port;

	ChromeDriver driver;

	@RegisterExtension
	final Browsers browsers = new Browsers();

	@Test
	void theLabOpensASessionAndStepsItThroughTheControls() {
		this.driver = this.browsers.start(1920, 1080);
		open("/?" + SNAT);
		assertThat(this.driver.findElement(By.tagName("body")).getDomAttribute("data-source")).isEqualTo("session");
		assertThat(this.driver.findElement(By.id("source-mode")).getText()).containsPattern("[A-Z2-9]{6}");
		while (step() < 28) {
			long before = step();
			press(Keys.ARROW_RIGHT);
			waitFor(() -> step() > before);
		}
		assertThat(this.driver.findElements(By.cssSelector("#node .drop-mark"))).hasSize(1);
		assertThat(this.driver.findElement(By.id("counters")).getText()).contains("insert_failed 0 1")
			.contains("drop 0 1");
		Browser.screenshot(this.driver, "lab-session-snat-417-dropped-syn");
		press(Keys.ARROW_LEFT);
		waitFor(() -> step() == 27);
		assertThat(this.driver.findElements(By.cssSelector("#conntrack tr.flash-loser"))).hasSize(1);
	}

	@Test
	void aPermalinkSeeksTheNewSessionAndPlayIsPacedByTheServer() {
		this.driver = this.browsers.start(1280, 800);
		open("/?" + SNAT + "&step=20");
		waitFor(() -> step() == 20);
		press(Keys.SPACE);
		waitFor(() -> step() >= 23);
		waitFor(() -> step() == 23 && !this.driver.findElement(By.id("beat")).getText().isEmpty());
		assertThat(this.driver.findElement(By.id("play")).getDomAttribute("aria-pressed")).isEqualTo("false");
		Browser.screenshot(this.driver, "lab-session-paused-at-a-beat-1280x800");
	}

	@Test
	void theLabKeepsToAStrictContentSecurityPolicy() {
		CspReports.CSP_REPORTS.clear();
		this.driver = this.browsers.start(1920, 1080);
		open("/?" + SNAT + "&step=26&csp");
		waitFor(() -> step() == 26);
		press(Keys.ARROW_RIGHT);
		waitFor(() -> step() == 27);
		press("t");
		press("t");
		press("?");
		press(Keys.ESCAPE);
		// The table view's toggles relayout the drawing, which draws its tokens anew:
		// click
		// one that is there when clicked.
		waitFor(() -> {
			try {
				this.driver.findElements(By.cssSelector("#tokens .token")).get(0).click();
				return true;
			}
			catch (org.openqa.selenium.StaleElementReferenceException | IndexOutOfBoundsException ex) {
				return false;
			}
		});
		waitFor(() -> this.driver.findElement(By.id("inspector")).isDisplayed());
		this.driver.get("http://localhost:" + this.port + "/compare?csp");
		waitFor(() -> "true".equals(this.driver.findElement(By.tagName("body")).getDomAttribute("data-ready")));
		String header = String.valueOf(this.driver.executeScript("return document.body.dataset.ready"));
		assertThat(header).isEqualTo("true");
		try {
			Thread.sleep(1000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		assertThat(CspReports.CSP_REPORTS).isEmpty();
		// The control: an inline style attribute is refused and reported, so silence
		// above means
		// the page kept to the policy.
		this.driver.executeScript("document.body.setAttribute('style', 'color: red')");
		new WebDriverWait(this.driver, Duration.ofSeconds(10)).until((d) -> !CspReports.CSP_REPORTS.isEmpty());
		assertThat(CspReports.CSP_REPORTS.get(0)).contains("style-src");
	}

	// --- helpers

	private void open(String path) {
		this.driver.get("http://localhost:" + this.port + path);
		waitFor(() -> "true".equals(this.driver.findElement(By.tagName("body")).getDomAttribute("data-ready"))
				&& this.driver.findElement(By.id("step-no")).getText().contains("/"));
	}

	private void waitFor(java.util.function.BooleanSupplier condition) {
		new WebDriverWait(this.driver, Duration.ofSeconds(20)).until((d) -> condition.getAsBoolean());
	}

	private long step() {
		String s = this.driver.findElement(By.id("caption")).getDomAttribute("data-step");
		return (s == null) ? -2 : Long.parseLong(s);
	}

	private void press(CharSequence key) {
		new Actions(this.driver).sendKeys(key).perform();
	}

	/**
	 * Collects the browser's violation reports of the application's own
	 * Content-Security-Policy (a {@code report-uri} is added to it for this test only).
	 */
	@TestConfiguration
	static class CspReports {

		static final List<String> CSP_REPORTS = new java.util.concurrent.CopyOnWriteArrayList<>();

		@Bean
		org.springframework.web.server.WebFilter reportViolations() {
			return (exchange, chain) -> {
				exchange.getResponse().beforeCommit(() -> {
					String policy = exchange.getResponse().getHeaders().getFirst("Content-Security-Policy");
					if (policy != null) {
						exchange.getResponse()
							.getHeaders()
							.set("Content-Security-Policy", policy + "; report-uri /csp-report");
					}
					return reactor.core.publisher.Mono.empty();
				});
				return chain.filter(exchange);
			};
		}

		@Bean
		RouterFunction<ServerResponse> cspReports() {
			return RouterFunctions.route().POST("/csp-report", (req) -> req.bodyToMono(String.class).flatMap((body) -> {
				CSP_REPORTS.add(body);
				return ServerResponse.noContent().build();
			})).build();
		}

	}

}
