package dev.racetrack.web.shared;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
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
 * The memory held for runs is bounded by their events: the cache evicts old runs, and a
 * session whose run was evicted gets it rebuilt from its parameters, the same run.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "20s")
@TestPropertySource(properties = "racetrack.max-cached-events=250")
class RunCacheIntegrationTests {

	@Autowired
	WebTestClient client;

	@Autowired
	Runs runs;

	@Test
	void theCacheStaysWithinItsBoundAndEvictedSessionsAreRebuilt() {
		Map<?, ?> first = create(1);
		create(2);
		create(3);
		assertThat(this.runs.heldBytes()).as("bytes held for runs").isLessThanOrEqualTo(250 * Runs.BYTES_PER_EVENT);
		StepVerifier.create(this.client.get()
			.uri("/api/sessions/{id}/events", first.get("id"))
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody()
			// steps that block run on a worker thread, not on a network thread this
			// stream or the request they make may need
			.publishOn(Schedulers.boundedElastic())
			.filter((e) -> !"heartbeat".equals(e.event())))
			.assertNext((e) -> assertThat(e.event()).isEqualTo("snapshot"))
			.then(() -> this.client.post()
				.uri("/api/sessions/{id}/control", first.get("id"))
				.header("Authorization", "Bearer " + first.get("token"))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("action", "seek", "value", 27))
				.exchange()
				.expectStatus()
				.isOk())
			.assertNext((e) -> assertThat(e.data()).contains("\"insert_failed\":1"))
			.thenCancel()
			.verify(Duration.ofSeconds(15));
		assertThat(this.runs.heldBytes()).isLessThanOrEqualTo(250 * Runs.BYTES_PER_EVENT);
	}

	private Map<?, ?> create(long seed) {
		return this.client.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race", "seed", seed))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
	}

}
