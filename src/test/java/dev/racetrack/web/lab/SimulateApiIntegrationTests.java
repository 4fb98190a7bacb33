package dev.racetrack.web.lab;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/scenarios} and {@code GET /api/simulate}: the catalogue, whole runs,
 * byte-identical bodies for the same query, and 400 problem details for every bad
 * parameter.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class SimulateApiIntegrationTests {

	@Autowired
	WebTestClient client;

	@Autowired
	tools.jackson.databind.json.JsonMapper json;

	@Test
	void scenariosListsTheSixIdsWithTheirDefaults() {
		this.client.get()
			.uri("/api/scenarios")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$[*].id")
			.isEqualTo(java.util.List.of("snat-port-race", "dnat-race-1", "dnat-race-2", "dnat-race-3", "tcp-free-play",
					"dns-free-play"))
			.jsonPath("$[0].defaults.kernel")
			.isEqualTo("4.17")
			.jsonPath("$[0].defaults.seed")
			.isEqualTo(1);
	}

	@Test
	void simulateReturnsParamsEventsAndSummary() {
		this.client.get()
			.uri("/api/simulate?scenario=snat-port-race&kernel=4.17&mode=default")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.params.seed")
			.isEqualTo(1)
			.jsonPath("$.events[0].seq")
			.isEqualTo(0)
			.jsonPath("$.events[?(@.type == 'packet-drop')]")
			.exists()
			.jsonPath("$.summary.counters.insert_failed")
			.isEqualTo(1)
			.jsonPath("$.summary.counters.drop")
			.isEqualTo(1)
			.jsonPath("$.summary.perCpu.length()")
			.isEqualTo(2)
			.jsonPath("$.summary.flows[?(@.outcome == 'retried')].retransmits")
			.isEqualTo(java.util.List.of(1));
	}

	@Test
	void theSameQueryGivesAByteIdenticalBody() {
		String uri = "/api/simulate?scenario=dnat-race-3&kernel=6.x&seed=2";
		byte[] first = body(uri);
		byte[] second = body(uri);
		assertThat(first).isNotEmpty().isEqualTo(second);
		assertThat(body("/api/simulate?scenario=dnat-race-3&kernel=6.x&seed=3")).isNotEqualTo(first);
	}

	@Test
	void eventsFalseLeavesTheEventsOut() {
		this.client.get()
			.uri("/api/simulate?scenario=tcp-free-play&pods=10&rounds=2&events=false")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.events")
			.doesNotExist()
			.jsonPath("$.summary.flows.length()")
			.isEqualTo(20);
	}

	/**
	 * A summary of many flows is written in chunks as it is sent; the body is still the
	 * one Jackson writes for the whole answer at once, byte for byte.
	 */
	@Test
	void aLargeSummaryIsTheWholeAnswerWrittenInChunks() {
		String query = "scenario=tcp-free-play&pods=64&rounds=40&seed=9";
		byte[] body = body("/api/simulate?" + query + "&events=false");
		var params = dev.racetrack.web.shared.RunParamsBinder
			.bind(java.util.Map.of("scenario", "tcp-free-play", "pods", "64", "rounds", "40", "seed", "9"));
		var run = dev.racetrack.scenario.ScenarioRunner.run(params, dev.racetrack.sim.TimingModel.calibrated(),
				dev.racetrack.sim.Tracer.off());
		byte[] whole = this.json.writeValueAsBytes(new SimulateApiController.SimulationView(
				dev.racetrack.web.shared.ParamsView.of(params), null, null, null, null, null, run.summary()));
		assertThat(whole.length).as("several chunks")
			.isGreaterThan(3 * dev.racetrack.web.shared.JsonChunks.CHUNK_BYTES);
		assertThat(new String(body, java.nio.charset.StandardCharsets.UTF_8))
			.isEqualTo(new String(whole, java.nio.charset.StandardCharsets.UTF_8));
	}

	static Stream<Arguments> badParameters() {
		return Stream.of(Arguments.of("scenario", "snat", "one of snat-port-race"),
				Arguments.of("kernel", "5.4", "one of 4.17, 4.19, 4.19.228, 5.0, 5.6, 6.x"),
				Arguments.of("mode", "fully", "one of default, random, random-fully"),
				Arguments.of("resolver", "bind", "one of glibc"), Arguments.of("mitigation", "magic", "one of none"),
				Arguments.of("pods", "0", "an integer from 1 to 128"),
				Arguments.of("pods", "129", "an integer from 1 to 128"),
				Arguments.of("rounds", "1001", "an integer from 1 to 1000"),
				Arguments.of("cpus", "17", "an integer from 1 to 16"),
				Arguments.of("endpoints", "x", "an integer from 1 to 16"),
				Arguments.of("sourcePort", "65536", "an integer from 0 to 65535"),
				Arguments.of("seed", "-1", "an integer from 0 to 9007199254740991"),
				Arguments.of("seed", "99999999999999999999999", "an integer from 0 to 9007199254740991"),
				Arguments.of("ndots", "16", "an integer from 0 to 15"),
				Arguments.of("events", "maybe", "one of true, false"),
				Arguments.of("preset", "wrk", "one of none, snat-race-conn-test, xing, kernel-lab"),
				Arguments.of("preset", "xing", "a preset only with scenario=tcp-free-play"),
				Arguments.of("workload", "poisson", "one of rounds, barrier, ticker, closed"),
				Arguments.of("workload", "ticker", "a workload only with tcp-free-play or dns-free-play"),
				Arguments.of("workers", "81", "an integer from 1 to 80"),
				Arguments.of("periodMs", "0", "an integer from 1 to 60000"),
				Arguments.of("durationS", "3601", "an integer from 1 to 3600"),
				Arguments.of("warmupS", "10", "an integer from 0 to 9"),
				Arguments.of("connectTimeoutMs", "-1", "an integer from 0 to 600000"));
	}

	@ParameterizedTest(name = "{0}={1} gets 400 naming {0}")
	@MethodSource("badParameters")
	void aBadParameterGets400ProblemJsonNamingIt(String name, String value, String accepted) {
		this.client.get()
			.uri((b) -> b.path("/api/simulate").queryParam(name, value).build())
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo(name)
			.jsonPath("$.accepted")
			.value((a) -> assertThat((String) a).startsWith(accepted))
			.jsonPath("$.status")
			.isEqualTo(400);
	}

	@Test
	void aRunWithTooManyEventsIsRefusedNamingTheLimitAndTheWayOut() {
		this.client.get()
			.uri("/api/simulate?scenario=tcp-free-play&pods=128&rounds=1000")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("events")
			.jsonPath("$.detail")
			.value((d) -> assertThat((String) d).contains("events=false"));
	}

	private byte[] body(String uri) {
		return this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody();
	}

}
