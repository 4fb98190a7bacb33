package dev.racetrack.web.experiment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.racetrack.web.shared.TooManyRequestsException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/experiments} over a real port, every reactive check with a deadline:
 * progress then the result; closing the stream stops the trials; bad requests are 400s
 * and a busy server a 429, each a problem body and never an error inside the stream.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class ExperimentApiIntegrationTests {

	static final Duration DEADLINE = Duration.ofSeconds(60);

	@Autowired
	WebTestClient client;

	@Autowired
	ExperimentRunner runner;

	@Autowired
	JsonMapper json;

	@Test
	void anExperimentStreamsProgressThenOneResult() {
		String query = "scenario=tcp-free-play&kernel=4.17,6.x&mode=default,random-fully&pods=10&rounds=3"
				+ "&sourcePort=32000&trials=30&seed=5";
		List<Map<String, Object>> progress = new ArrayList<>();
		StepVerifier.create(stream(query)).assertNext((e) -> {
			assertThat(e.event()).isEqualTo("progress");
			assertThat(data(e)).containsEntry("done", 0).containsEntry("total", 120);
		}).thenConsumeWhile((e) -> "progress".equals(e.event()), (e) -> progress.add(data(e))).assertNext((e) -> {
			assertThat(e.event()).isEqualTo("result");
			Map<String, Object> result = data(e);
			assertThat(result).containsEntry("seed", 5).containsEntry("trials", 30);
			List<Map<String, Object>> rows = list(result.get("configurations"));
			assertThat(rows).hasSize(4);
			Map<String, Object> first = rows.get(0);
			assertThat(map(first.get("params"))).containsEntry("kernel", "4.17")
				.containsEntry("mode", "default")
				.containsEntry("pods", 10)
				.containsEntry("seed", 5);
			assertThat(first).containsEntry("attempts", 30 * 10 * 3)
				.containsKeys("insertFailedRate", "ci95", "dropRate", "clashResolveRate", "latency",
						"representativeSeed", "replayUrl");
			List<Double> ci = list(first.get("ci95"));
			double rate = ((Number) first.get("insertFailedRate")).doubleValue();
			assertThat(ci.get(0)).isLessThanOrEqualTo(rate);
			assertThat(ci.get(1)).isGreaterThanOrEqualTo(rate);
			Map<String, Object> latency = map(first.get("latency"));
			assertThat(latency).containsKeys("p50Ns", "p99Ns", "p999Ns");
			List<Map<String, Object>> histogram = list(latency.get("histogram"));
			assertThat(histogram).hasSize(41).allSatisfy((b) -> assertThat(b).containsKeys("lowNs", "highNs", "count"));
			assertThat(histogram).filteredOn((b) -> ((Number) b.get("count")).longValue() > 0)
				.allSatisfy((b) -> assertThat(b.get("seed")).isNotNull());
			assertThat((String) first.get("replayUrl")).startsWith("/?scenario=tcp-free-play&kernel=4.17&mode=default")
				.contains("&seed=" + first.get("representativeSeed"));
		}).expectComplete().verify(DEADLINE);
		assertThat(progress).isNotEmpty().last().isEqualTo(Map.of("done", 120, "total", 120));
		assertThat(progress).extracting((p) -> (Integer) p.get("done")).isSorted();
	}

	@Test
	void theSameQueryGivesTheSameResult() {
		String query = "kernel=4.17&mode=default&pods=32&rounds=2&sourcePort=32000&trials=40";
		assertThat(resultOf(query)).isEqualTo(resultOf(query));
	}

	@Test
	void closingTheStreamStopsTheTrials() throws InterruptedException {
		long before = this.runner.trialsStarted();
		StepVerifier.create(stream("kernel=4.17&mode=default&pods=32&rounds=10&trials=10000"))
			.expectNextMatches((e) -> "progress".equals(e.event()))
			.expectNextMatches((e) -> "progress".equals(e.event()))
			.thenCancel()
			.verify(DEADLINE);
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (this.runner.running() > 0 && System.nanoTime() < deadline) {
			Thread.sleep(20);
		}
		assertThat(this.runner.running()).as("the experiment's slot is given back").isZero();
		long stopped = this.runner.trialsStarted();
		Thread.sleep(500);
		assertThat(this.runner.trialsStarted()).as("no trial starts after the stream closed").isEqualTo(stopped);
		assertThat(stopped - before).isLessThan(10_000);
	}

	@ParameterizedTest(name = "{0} → 400 naming {1}")
	@CsvSource(delimiter = '|', value = { "scenario=snat-port-race | scenario", "trials=0 | trials",
			"trials=10001 | trials", "trials=lots | trials", "kernel=4.17,5.99 | kernel", "kernel=4.17,,6.x | kernel",
			"pods=0,10 | pods", "mode=default,random,random-fully&kernel=4.17,4.19,5.0,5.6,6.x&pods=1,2,3,4,5 | kernel",
			"trials=10000&pods=128&rounds=1000 | trials", "rounds=10,20 | rounds", "seed=-1 | seed" })
	void badRequestsAreProblemsBeforeAnyStream(String query, String parameter) {
		this.client.get()
			.uri("/api/experiments?" + query)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo(parameter)
			.jsonPath("$.accepted")
			.exists();
	}

	@Test
	void pastMaxConcurrentExperimentsTheServerSays429() {
		List<Runnable> held = new ArrayList<>();
		try {
			while (true) {
				held.add(this.runner.reserve());
			}
		}
		catch (TooManyRequestsException expected) {
			assertThat(held).hasSize(2);
		}
		try {
			this.client.get()
				.uri("/api/experiments?trials=1")
				.accept(MediaType.TEXT_EVENT_STREAM)
				.exchange()
				.expectStatus()
				.isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
				.expectHeader()
				.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
				.expectHeader()
				.exists("Retry-After")
				.expectBody()
				.jsonPath("$.limit")
				.isEqualTo("experiments");
		}
		finally {
			held.forEach(Runnable::run);
		}
		assertThat(this.runner.running()).isZero();
		assertThat(resultOf("trials=1&pods=1&rounds=1")).containsKey("configurations");
	}

	private Flux<ServerSentEvent<String>> stream(String query) {
		return this.client.get()
			.uri("/api/experiments?" + query)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.getResponseBody();
	}

	private Map<String, Object> resultOf(String query) {
		ServerSentEvent<String> last = stream(query).filter((e) -> "result".equals(e.event())).blockLast(DEADLINE);
		assertThat(last).isNotNull();
		return data(last);
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> data(ServerSentEvent<String> e) {
		return this.json.readValue(e.data(), Map.class);
	}

	@SuppressWarnings("unchecked")
	private static <T> List<T> list(Object o) {
		return (List<T>) o;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object o) {
		return (Map<String, Object>) o;
	}

}
