package dev.racetrack.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.racetrack.browser.Browser;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.TraceFolder;
import dev.racetrack.sim.Tracer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lab's client against the session contract it was built for
 * ({@code POST /api/sessions}, the event stream, the controls with a bearer token),
 * served here by a small stand-in of the sessions API that exists in this test only. Once
 * the real sessions API is merged, this test can run against it by dropping the stand-in.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class LabSessionBrowserTests {

	static final String SNAT = "scenario=snat-port-race&kernel=4.17&mode=default";

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
	void theLabOpensASessionAndStepsItThroughTheControls() {
		this.driver = Browser.start(1920, 1080);
		open("/?" + SNAT);
		assertThat(this.driver.findElement(By.tagName("body")).getDomAttribute("data-source")).isEqualTo("session");
		assertThat(this.driver.findElement(By.id("source-mode")).getText()).contains("ABC123");
		while (step() < 28) {
			long before = step();
			press(Keys.ARROW_RIGHT);
			waitFor(() -> step() > before);
		}
		assertThat(this.driver.findElements(By.cssSelector("#node .drop-mark"))).hasSize(1);
		assertThat(this.driver.findElement(By.id("counters")).getText()).contains("cpu=1 0 1 1");
		Browser.screenshot(this.driver, "lab-session-snat-417-dropped-syn");
		press(Keys.ARROW_LEFT);
		waitFor(() -> step() == 27);
		assertThat(this.driver.findElements(By.cssSelector("#conntrack tr.flash-loser"))).hasSize(1);
	}

	@Test
	void aPermalinkSeeksTheNewSessionAndPlayIsPacedByTheServer() {
		this.driver = Browser.start(1280, 800);
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
		StandInSessions.CSP_REPORTS.clear();
		this.driver = Browser.start(1920, 1080);
		open("/?" + SNAT + "&step=26&csp");
		waitFor(() -> step() == 26);
		press(Keys.ARROW_RIGHT);
		waitFor(() -> step() == 27);
		press("t");
		press("t");
		press("?");
		press(Keys.ESCAPE);
		this.driver.findElements(By.cssSelector("#tokens .token")).get(0).click();
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
		assertThat(StandInSessions.CSP_REPORTS).isEmpty();
		// The control: an inline style attribute is refused and reported, so silence
		// above means
		// the page kept to the policy.
		this.driver.executeScript("document.body.setAttribute('style', 'color: red')");
		new WebDriverWait(this.driver, Duration.ofSeconds(10)).until((d) -> !StandInSessions.CSP_REPORTS.isEmpty());
		assertThat(StandInSessions.CSP_REPORTS.get(0)).contains("style-src");
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

	/** A stand-in of the sessions API: one session at a time, paced at 40 ms a step. */
	@TestConfiguration
	static class StandInSessions {

		final Map<String, Session> sessions = new ConcurrentHashMap<>();

		/** Violation reports of the strict policy that {@link #strictPolicy} sets. */
		static final List<String> CSP_REPORTS = new java.util.concurrent.CopyOnWriteArrayList<>();

		/** The policy the layout promises to keep: no inline script or style, no eval. */
		@Bean
		org.springframework.web.server.WebFilter strictPolicy() {
			return (exchange, chain) -> {
				exchange.getResponse()
					.getHeaders()
					.set("Content-Security-Policy",
							"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
									+ "connect-src 'self'; object-src 'none'; base-uri 'none'; report-uri /csp-report");
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

		@Bean
		RouterFunction<ServerResponse> standInSessionRoutes() {
			return RouterFunctions.route().POST("/api/sessions", (req) -> req.bodyToMono(Map.class).flatMap((body) -> {
				Map<String, String> q = new java.util.LinkedHashMap<>();
				((Map<?, ?>) body).forEach((k, v) -> q.put(String.valueOf(k), String.valueOf(v)));
				RunParams params = RunParamsBinder.bind(q);
				List<TraceEvent> events = ScenarioRunner.run(params, Tracer.recording(100_000)).trace().events();
				Session s = new Session(params, events);
				this.sessions.put("s1", s);
				LabRun run = LabRun.of(params);
				Map<String, Object> out = new java.util.LinkedHashMap<>();
				out.put("id", "s1");
				out.put("code", "ABC123");
				out.put("token", "t0k");
				out.put("total", events.size());
				out.put("params", run.params());
				out.put("topology", run.topology());
				out.put("rules", run.rules());
				out.put("beats", List.of(Map.of("step", 23, "text", "Both CPUs hold port 32000.")));
				return ServerResponse.status(HttpStatus.CREATED).contentType(MediaType.APPLICATION_JSON).bodyValue(out);
			})).GET("/api/sessions/{id}/events", (req) -> {
				Session s = this.sessions.get(req.pathVariable("id"));
				return ServerResponse.ok()
					.contentType(MediaType.TEXT_EVENT_STREAM)
					.body(Flux.concat(Flux.just(s.snapshot()), s.sink.asFlux()), ServerSentEvent.class);
			}).POST("/api/sessions/{id}/control", (req) -> {
				Session s = this.sessions.get(req.pathVariable("id"));
				if (!"Bearer t0k".equals(req.headers().firstHeader("Authorization"))) {
					return ServerResponse.status(HttpStatus.UNAUTHORIZED).build();
				}
				return req.bodyToMono(Map.class).flatMap((c) -> {
					s.control(String.valueOf(c.get("action")), c.get("value"));
					return ServerResponse.noContent().build();
				});
			}).build();
		}

	}

	static final class Session {

		final RunParams params;

		final List<TraceEvent> events;

		final Sinks.Many<ServerSentEvent<Object>> sink = Sinks.many().multicast().directBestEffort();

		long cursor = -1;

		boolean playing;

		Disposable pacer;

		Session(RunParams params, List<TraceEvent> events) {
			this.params = params;
			this.events = new ArrayList<>(events);
		}

		synchronized ServerSentEvent<Object> snapshot() {
			Map<String, Object> d = new java.util.LinkedHashMap<>();
			d.put("step", this.cursor);
			d.put("t", (this.cursor >= 0) ? this.events.get((int) this.cursor).t() : 0);
			d.put("total", this.events.size());
			d.put("playing", this.playing);
			d.put("speed", 1);
			d.put("params", ParamsView.of(this.params));
			d.put("state", TraceFolder.fold(this.events, this.params.cpus(), this.cursor));
			return ServerSentEvent.builder((Object) d).event("snapshot").id(String.valueOf(this.cursor)).build();
		}

		synchronized void control(String action, Object value) {
			switch (action) {
				case "step" -> next();
				case "back" -> {
					this.cursor = Math.max(-1, this.cursor - 1);
					emit(snapshot());
				}
				case "seek" -> {
					this.cursor = Math.max(-1, Math.min(this.events.size() - 1, ((Number) value).longValue()));
					emit(snapshot());
				}
				case "play" -> {
					this.playing = true;
					playState();
					this.pacer = Flux.interval(Duration.ofMillis(40)).subscribe((i) -> tick());
				}
				case "pause" -> stop();
				default -> {
				}
			}
		}

		synchronized void tick() {
			if (!this.playing) {
				return;
			}
			next();
			if (this.cursor == 23 || this.cursor >= this.events.size() - 1) {
				stop();
			}
		}

		private void stop() {
			this.playing = false;
			if (this.pacer != null) {
				this.pacer.dispose();
			}
			playState();
		}

		private void next() {
			if (this.cursor >= this.events.size() - 1) {
				return;
			}
			this.cursor++;
			TraceEvent e = this.events.get((int) this.cursor);
			emit(ServerSentEvent.builder((Object) e).event(e.type()).id(String.valueOf(e.seq())).build());
			if (this.cursor == 23) {
				emit(ServerSentEvent.builder((Object) Map.of("step", 23, "text", "Both CPUs hold port 32000."))
					.event("beat")
					.build());
			}
		}

		private void playState() {
			emit(ServerSentEvent.builder((Object) Map.of("playing", this.playing, "speed", 1, "step", this.cursor))
				.event("play-state")
				.build());
		}

		private void emit(ServerSentEvent<Object> e) {
			this.sink.tryEmitNext(e);
		}

	}

}
