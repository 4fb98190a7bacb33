package dev.racetrack.web.session;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lab sessions over SSE, every reactive check with a deadline: a snapshot on connect;
 * step, back and seek; paced play that stops at a guided beat; the token rules.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "20s")
class SessionApiIntegrationTests {

	static final Duration DEADLINE = Duration.ofSeconds(15);

	@Autowired
	WebTestClient client;

	@Test
	void createReturns201WithIdCodeTokenAndTheRunsShape() {
		this.client.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race", "kernel", "4.17"))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectHeader()
			.valueMatches("Location", "/api/sessions/.+")
			.expectBody()
			.jsonPath("$.code")
			.value((c) -> assertThat((String) c).matches("[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}"))
			.jsonPath("$.token")
			.value((t) -> assertThat((String) t).hasSizeGreaterThan(20))
			.jsonPath("$.topology.pods.length()")
			.isEqualTo(2)
			.jsonPath("$.rules[?(@ =~ /.*MASQUERADE.*/)]")
			.exists()
			.jsonPath("$.beats.length()")
			.value((n) -> assertThat((Integer) n).isGreaterThanOrEqualTo(4));
	}

	@Test
	void formPostsWorkToo() {
		this.client.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("scenario=dnat-race-1&kernel=5.6")
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.params.kernel")
			.isEqualTo("5.6");
	}

	@Test
	void aStreamStartsWithASnapshotThenStepsBackAndSeeks() {
		Session s = create("snat-port-race");
		Flux<ServerSentEvent<String>> events = stream(s);
		StepVerifier.create(events.filter((e) -> !"heartbeat".equals(e.event()))).assertNext((e) -> {
			assertThat(e.event()).isEqualTo("snapshot");
			assertThat(e.id()).isEqualTo("-1");
		}).then(() -> control(s, "step", null)).assertNext((e) -> {
			assertThat(e.id()).isEqualTo("0");
			// Each event crosses the wire once, in /api/simulate: the stream names the
			// step.
			assertThat(e.event()).isEqualTo("step");
			assertThat(e.data()).isEqualTo("{\"step\":0}");
		})
			.then(() -> control(s, "step", null))
			.assertNext((e) -> assertThat(e.id()).isEqualTo("1"))
			.then(() -> control(s, "back", null))
			.assertNext((e) -> {
				assertThat(e.event()).isEqualTo("snapshot");
				assertThat(e.id()).isEqualTo("0");
				assertThat(e.data()).contains("\"step\":0");
			})
			.then(() -> control(s, "seek", 27))
			.assertNext((e) -> {
				assertThat(e.event()).isEqualTo("snapshot");
				assertThat(e.id()).isEqualTo("27");
				assertThat(e.data()).contains("\"insert_failed\":1");
			})
			.thenCancel()
			.verify(DEADLINE);
	}

	@Autowired
	SessionShutdown shutdown;

	/**
	 * The test framework stops a cached context while another runs and starts it again:
	 * the sessions end, but a new one must play (its ticker's scheduler was disposed on
	 * stop, and every later play stayed at step -1).
	 */
	@Test
	void aSessionPlaysAfterTheApplicationWasStoppedAndStartedAgain() {
		this.shutdown.stop();
		this.shutdown.start();
		Session s = create("snat-port-race");
		control(s, "speed", 64);
		StepVerifier.create(stream(s).filter((e) -> "beat".equals(e.event())).take(1))
			.then(() -> control(s, "play", null))
			.assertNext((e) -> assertThat(e.data()).contains("unconfirmed"))
			.expectComplete()
			.verify(DEADLINE);
	}

	@Test
	void playIsPacedAndPausesByItselfAtTheFirstBeat() {
		Session s = create("snat-port-race");
		control(s, "speed", 64);
		long started = System.nanoTime();
		StepVerifier.create(stream(s).filter((e) -> "beat".equals(e.event())).take(1))
			.then(() -> control(s, "play", null))
			.assertNext((e) -> assertThat(e.data()).contains("unconfirmed"))
			.expectComplete()
			.verify(DEADLINE);
		long millis = (System.nanoTime() - started) / 1_000_000;
		assertThat(millis).as("13 events at ×64 are paced, not dumped at once").isGreaterThan(40);
		this.client.get()
			.uri("/api/sessions/{id}", s.id())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.token")
			.doesNotExist();
	}

	@Test
	void controlNeedsTheSessionsToken() {
		Session s = create("snat-port-race");
		Session other = create("snat-port-race");
		this.client.post()
			.uri("/api/sessions/{id}/control", s.id())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", "play"))
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		this.client.post()
			.uri("/api/sessions/{id}/control", s.id())
			.header("Authorization", "Bearer " + other.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", "play"))
			.exchange()
			.expectStatus()
			.isForbidden();
		this.client.post()
			.uri("/api/sessions/{id}/control", s.id())
			.header("Authorization", "Bearer " + s.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", "rewind"))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("action");
		this.client.post()
			.uri("/api/sessions/{id}/control", s.id())
			.header("Authorization", "Bearer " + s.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", "speed", "value", 1000))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("value");
	}

	@Test
	void anUnknownSessionIs404() {
		this.client.get().uri("/api/sessions/nope").exchange().expectStatus().isNotFound();
		this.client.get().uri("/api/sessions/nope/events").exchange().expectStatus().isNotFound();
	}

	record Session(String id, String token) {
	}

	private Session create(String scenario) {
		Map<?, ?> body = this.client.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", scenario))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
		return new Session((String) body.get("id"), (String) body.get("token"));
	}

	private Flux<ServerSentEvent<String>> stream(Session s) {
		return this.client.get()
			.uri("/api/sessions/{id}/events", s.id())
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody()
			// steps that block run on a worker thread, not on a network thread this
			// stream or the request they make may need
			.publishOn(Schedulers.boundedElastic());
	}

	private void control(Session s, String action, Object value) {
		Map<String, Object> body = new java.util.HashMap<>();
		body.put("action", action);
		if (value != null) {
			body.put("value", value);
		}
		this.client.post()
			.uri("/api/sessions/{id}/control", s.id())
			.header("Authorization", "Bearer " + s.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isOk();
	}

}
