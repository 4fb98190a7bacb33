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
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Followers join a presenter's session by its code, see the presenter's steps live,
 * cannot control it, and report when they detach; the presenter's stream carries the
 * audience counts.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "20s")
@TestPropertySource(properties = { "racetrack.max-followers-per-session=3", "racetrack.sse-heartbeat=500ms",
		"racetrack.max-sessions-per-client=200" })
class WatchApiIntegrationTests {

	static final Duration DEADLINE = Duration.ofSeconds(15);

	@Autowired
	WebTestClient client;

	@Test
	void joinCodesAreSixCharactersWithoutLookAlikes() {
		for (int i = 0; i < 20; i++) {
			String code = create().code();
			assertThat(code).hasSize(6).doesNotContainPattern("[01OIL]").matches("[A-Z2-9]{6}");
		}
		assertThat(WatchApiController.normalize(" ab-c23 4 ")).isEqualTo("ABC234");
	}

	@Test
	void aFollowerSeesThePresentersStepsAndCannotControlThem() {
		Presenter p = create();
		Flux<ServerSentEvent<String>> follower = watch(p.code().toLowerCase());
		StepVerifier.create(follower.filter((e) -> !"heartbeat".equals(e.event()) && !"audience".equals(e.event())))
			.assertNext((e) -> assertThat(e.event()).isEqualTo("hello"))
			.assertNext((e) -> assertThat(e.event()).isEqualTo("snapshot"))
			.then(() -> control(p, "step"))
			.assertNext((e) -> {
				assertThat(e.id()).isEqualTo("0");
				assertThat(e.event()).isEqualTo("step");
			})
			.then(() -> control(p, "step"))
			.assertNext((e) -> assertThat(e.id()).isEqualTo("1"))
			.thenCancel()
			.verify(DEADLINE);
		this.client.get()
			.uri("/api/watch/{code}", p.code())
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.token")
			.doesNotExist()
			.jsonPath("$.id")
			.doesNotExist()
			.jsonPath("$.code")
			.isEqualTo(p.code());
	}

	@Test
	void thePresenterSeesHowManyFollowAndHowManyDetached() {
		Presenter p = create();
		Flux<ServerSentEvent<String>> presenter = this.client.get()
			.uri("/api/sessions/{id}/events", p.id())
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody()
			// steps that block run on a worker thread, not on a network thread this
			// stream or the request they make may need
			.publishOn(Schedulers.boundedElastic());
		String[] followerId = new String[1];
		reactor.core.Disposable[] held = new reactor.core.Disposable[1];
		Flux<ServerSentEvent<String>> follower = watch(p.code());
		// What the presenter was told, to say which step never came if this times out.
		java.util.List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
		try {
			// The steps below wait for the follower's hello and post its presence
			// where an audience event is delivered: on a worker thread, not on a
			// network thread the follower's stream may need meanwhile.
			verifyAudience(presenter.filter((e) -> "audience".equals(e.event())).doOnNext((e) -> told.add(e.data())),
					follower, followerId, held, p);
		}
		catch (AssertionError ex) {
			throw new AssertionError(
					ex.getMessage() + "; audience events told: " + told + "; follower id: " + followerId[0], ex);
		}
	}

	private void verifyAudience(Flux<ServerSentEvent<String>> audience, Flux<ServerSentEvent<String>> follower,
			String[] followerId, reactor.core.Disposable[] held, Presenter p) {
		StepVerifier.create(audience).then(() -> held[0] = follower.doOnNext((e) -> {
			if ("hello".equals(e.event())) {
				followerId[0] = e.data().replaceAll(".*\"follower\":\"([^\"]+)\".*", "$1");
			}
		}).subscribe())
			.assertNext((e) -> assertThat(e.data()).contains("\"followers\":1").contains("\"detached\":0"))
			.then(() -> {
				for (int i = 0; i < 100 && followerId[0] == null; i++) {
					sleep(50);
				}
				this.client.post()
					.uri("/api/watch/{code}/presence", p.code())
					.contentType(MediaType.APPLICATION_JSON)
					.bodyValue(Map.of("follower", followerId[0], "detached", true))
					.exchange()
					.expectStatus()
					.isOk();
			})
			.assertNext((e) -> assertThat(e.data()).contains("\"detached\":1"))
			.then(() -> held[0].dispose())
			.assertNext((e) -> assertThat(e.data()).as("a follower who leaves is no longer counted")
				.contains("\"followers\":0")
				.contains("\"detached\":0"))
			.thenCancel()
			.verify(DEADLINE);
	}

	@Test
	void aPresentersNewStreamOpensWithTheAudienceWhenThereIsOne() {
		Presenter p = create();
		reactor.core.Disposable held = watch(p.code()).subscribe();
		try {
			for (int i = 0; i < 100 && !audienceOnConnect(p).contains("\"followers\":1"); i++) {
				sleep(50);
			}
			assertThat(audienceOnConnect(p)).contains("\"followers\":1").contains("\"detached\":0");
		}
		finally {
			held.dispose();
		}
	}

	private String audienceOnConnect(Presenter p) {
		return this.client.get()
			.uri("/api/sessions/{id}/events", p.id())
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody()
			// steps that block run on a worker thread, not on a network thread this
			// stream or the request they make may need
			.publishOn(Schedulers.boundedElastic())
			.filter((e) -> !"heartbeat".equals(e.event()))
			.next()
			.map((e) -> e.event() + " " + e.data())
			.block(DEADLINE);
	}

	@Test
	void anUnknownCodeIs404AndFollowersAreBounded() {
		this.client.get().uri("/api/watch/ZZZZZZ/events").exchange().expectStatus().isNotFound();
		Presenter p = create();
		var subscriptions = new java.util.ArrayList<reactor.core.Disposable>();
		for (int i = 0; i < 3; i++) {
			subscriptions.add(watch(p.code()).subscribe());
		}
		try {
			this.client.get()
				.uri("/api/watch/{code}/events", p.code())
				.exchange()
				.expectStatus()
				.isEqualTo(429)
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		}
		finally {
			subscriptions.forEach(reactor.core.Disposable::dispose);
		}
	}

	@Test
	void theWatchPageIsTheLabFollowingTheSessionWithItsKnobsShownReadOnly() {
		Presenter p = create();
		String html = this.client.get()
			.uri("/watch/{code}", p.code())
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html).contains("data-mode=\"watch\"")
			.contains("data-code=\"" + p.code() + "\"")
			.contains("id=\"detach\"")
			.contains("id=\"snap-back\"")
			.contains("src=\"/js/session/watch.js\"")
			.doesNotContain(p.token())
			.doesNotContain("id=\"follow\"")
			.doesNotContain("<script>")
			.doesNotContain("style=\"")
			.doesNotContain("onclick");
		assertThat(html).as("the knobs show the session's run, read-only")
			.contains("<select name=\"kernel\" disabled=\"disabled\">")
			.contains("<option value=\"4.17\" selected=\"selected\">");
		assertThat(html).as("a follower is not offered links away from the session").doesNotContain("compare-fix");
	}

	@Test
	void codesAreTypedLooselyOnTheWatchPages() {
		Presenter p = create();
		String loose = p.code().substring(0, 3).toLowerCase() + "-" + p.code().substring(3).toLowerCase();
		this.client.get()
			.uri("/watch/{code}", loose)
			.exchange()
			.expectStatus()
			.isSeeOther()
			.expectHeader()
			.location("/watch/" + p.code());
		this.client.get()
			.uri((b) -> b.path("/watch").queryParam("code", " " + loose + " ").build())
			.exchange()
			.expectStatus()
			.isSeeOther()
			.expectHeader()
			.location("/watch/" + p.code());
	}

	@Test
	void theJoinPageAsksForACodeAndAnUnknownCodeGetsItAgainWith404() {
		String join = this.client.get()
			.uri("/watch")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(join).contains("<form class=\"join-form\" action=\"/watch\" method=\"get\">")
			.contains("name=\"code\"")
			.doesNotContain("No session has the code");
		for (String unknown : new String[] { "ZZZZZZ", "not-a-code", "<b>x</b>" }) {
			String page = this.client.get()
				.uri("/watch/{code}", unknown)
				.exchange()
				.expectStatus()
				.isNotFound()
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.TEXT_HTML)
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(page).contains("No session has the code")
				.contains("name=\"code\"")
				.doesNotContain("<b>x</b>")
				.doesNotContain("data-mode=\"watch\"");
		}
	}

	@Test
	void whenThePresenterOpensAnotherRunTheCodeStaysAndFollowersAreTold() {
		Presenter p = create();
		Flux<ServerSentEvent<String>> follower = watch(p.code());
		StepVerifier.create(follower.filter((e) -> !"heartbeat".equals(e.event()) && !"audience".equals(e.event())))
			.assertNext((e) -> assertThat(e.event()).isEqualTo("hello"))
			.assertNext((e) -> assertThat(e.data()).contains("\"scenario\":\"snat-port-race\""))
			.then(() -> this.client.put()
				.uri("/api/sessions/{id}", p.id())
				.header("Authorization", "Bearer " + p.token())
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("scenario", "dnat-race-1", "kernel", "4.17"))
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.id")
				.isEqualTo(p.id())
				.jsonPath("$.code")
				.isEqualTo(p.code())
				.jsonPath("$.token")
				.isEqualTo(p.token())
				.jsonPath("$.params.scenario")
				.isEqualTo("dnat-race-1"))
			.assertNext((e) -> {
				assertThat(e.event()).isEqualTo("session-changed");
				assertThat(e.data()).contains("\"scenario\":\"dnat-race-1\"");
			})
			.expectComplete()
			.verify(DEADLINE);
		StepVerifier.create(watch(p.code()).filter((e) -> "snapshot".equals(e.event())))
			.assertNext((e) -> assertThat(e.data()).as("the same code now streams the new run")
				.contains("\"scenario\":\"dnat-race-1\""))
			.thenCancel()
			.verify(DEADLINE);
		this.client.get()
			.uri("/api/sessions/{id}", p.id())
			.exchange()
			.expectBody()
			.jsonPath("$.params.scenario")
			.isEqualTo("dnat-race-1");
	}

	@Test
	void onlyThePresentersTokenOpensAnotherRunAndTheSameRunChangesNothing() {
		Presenter p = create();
		Map<String, String> run = Map.of("scenario", "dnat-race-2");
		this.client.put()
			.uri("/api/sessions/{id}", p.id())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(run)
			.exchange()
			.expectStatus()
			.isUnauthorized();
		this.client.put()
			.uri("/api/sessions/{id}", p.id())
			.header("Authorization", "Bearer nope")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(run)
			.exchange()
			.expectStatus()
			.isForbidden();
		this.client.put()
			.uri("/api/sessions/{id}", p.id())
			.header("Authorization", "Bearer " + p.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("kernel", "3.10"))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("kernel");
		this.client.put()
			.uri("/api/sessions/{id}", "nosuchsession")
			.header("Authorization", "Bearer " + p.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(run)
			.exchange()
			.expectStatus()
			.isNotFound();
		control(p, "step");
		control(p, "step");
		this.client.put()
			.uri("/api/sessions/{id}", p.id())
			.header("Authorization", "Bearer " + p.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race"))
			.exchange()
			.expectStatus()
			.isOk();
		StepVerifier.create(watch(p.code()).filter((e) -> "snapshot".equals(e.event())))
			.assertNext((e) -> assertThat(e.id()).as("the same run: the session, and its step, stay").isEqualTo("1"))
			.thenCancel()
			.verify(DEADLINE);
	}

	record Presenter(String id, String code, String token) {
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private Presenter create() {
		Map<?, ?> body = this.client.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race"))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
		return new Presenter((String) body.get("id"), (String) body.get("code"), (String) body.get("token"));
	}

	private Flux<ServerSentEvent<String>> watch(String code) {
		return this.client.get()
			.uri("/api/watch/{code}/events", code)
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

	private void control(Presenter p, String action) {
		this.client.post()
			.uri("/api/sessions/{id}/control", p.id())
			.header("Authorization", "Bearer " + p.token())
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", action))
			.exchange()
			.expectStatus()
			.isOk();
	}

}
