package dev.racetrack.web.lab;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The fidelity table of src/docs/PRODUCT.md §1, row by row, over {@code /api/simulate}.
 * Every expectation is read off what the model did (ports chosen, drops, counters,
 * timers, latencies), never told to it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class FidelityTableIntegrationTests {

	static final double SECOND = 1e9;

	@Autowired
	WebTestClient client;

	@Test
	@DisplayName("SNAT port race, 4.17, default: same SNAT port, the later confirm fails, the client retransmits after 1 s")
	void snatRaceOn417Default() {
		Run run = simulate("scenario=snat-port-race&kernel=4.17&mode=default");
		List<Integer> ports = run.snatPorts();
		assertThat(ports).hasSize(3);
		assertThat(ports.get(0)).as("both SYNs get the same SNAT port").isEqualTo(ports.get(1));
		assertThat(run.counter("insert_failed")).isEqualTo(1);
		assertThat(run.counter("drop")).isEqualTo(1);
		assertThat(run.types()).contains("packet-drop");
		Map<String, Object> loser = run.flow("retried");
		assertThat(((Number) loser.get("latencyNs")).doubleValue() / SECOND).isCloseTo(1.0, within(0.01));
	}

	@Test
	@DisplayName("SNAT port race, 4.17: a second loss costs 3 s in total (four pods on two CPUs: the retransmits race again on the rover)")
	void aSecondLossCostsThreeSeconds() {
		Run run = simulate("scenario=snat-port-race&kernel=4.17&pods=4&cpus=4");
		assertThat(run.flows()).anySatisfy((f) -> {
			assertThat(f.get("retransmits")).isEqualTo(2);
			assertThat(((Number) f.get("latencyNs")).doubleValue() / SECOND).isCloseTo(3.0, within(0.01));
		});
		assertThat(run.counter("insert_failed")).isEqualTo(run.counter("drop")).isGreaterThanOrEqualTo(3);
	}

	@Test
	@DisplayName("SNAT port race, random-fully: different ports, no failure, both connect without delay")
	void randomFullyAvoidsTheSnatRace() {
		Run run = simulate("scenario=snat-port-race&kernel=4.17&mode=random-fully");
		List<Integer> ports = run.snatPorts();
		assertThat(ports).hasSize(2).doesNotHaveDuplicates();
		assertThat(run.counter("insert_failed")).isZero();
		assertThat(run.flows()).allSatisfy((f) -> {
			assertThat(f.get("outcome")).isEqualTo("ok");
			assertThat(((Number) f.get("latencyNs")).doubleValue()).isLessThan(0.01 * SECOND);
		});
	}

	@Test
	@DisplayName("TCP SNAT race on 6.x: still possible (TCP never resolves a clash); SYN back-off is linear")
	void tcpSnatRaceOn6xWithLinearBackoff() {
		Run linear = simulate("scenario=snat-port-race&kernel=6.x");
		assertThat(linear.counter("insert_failed")).isEqualTo(1);
		assertThat(linear.counter("drop")).isEqualTo(1);
		assertThat(linear.counter("clash_resolve")).isZero();
		assertThat(linear.rtoSeconds()).as("RTOs armed on 6.x").startsWith(1.0, 1.0, 1.0);
		Run doubling = simulate("scenario=snat-port-race&kernel=4.17&mode=random-fully&pods=1");
		Run doublingRace = simulate("scenario=snat-port-race&kernel=4.17");
		assertThat(doubling.rtoSeconds()).containsExactly(1.0);
		assertThat(doublingRace.rtoSeconds()).as("RTOs armed on 4.17: 1 s, then 2 s").containsExactly(1.0, 1.0, 2.0);
		assertThat(linear.rtoSeconds()).containsExactly(1.0, 1.0, 1.0);
	}

	@ParameterizedTest(name = "{0} on {1}: dropped={2}")
	@CsvSource({ "dnat-race-1, 4.17, true, 1, 1, 0", "dnat-race-1, 4.19, false, 1, 0, 0",
			"dnat-race-1, 5.6, false, 1, 0, 0", "dnat-race-1, 6.x, false, 0, 0, 1", "dnat-race-2, 4.17, true, 1, 1, 0",
			"dnat-race-2, 4.19, true, 1, 1, 0", "dnat-race-2, 5.0, false, 1, 0, 0", "dnat-race-2, 6.x, false, 0, 0, 1",
			"dnat-race-3, 4.17, true, 1, 1, 0", "dnat-race-3, 5.0, true, 1, 1, 0", "dnat-race-3, 5.6, false, 0, 0, 0",
			"dnat-race-3, 6.x, false, 0, 0, 1" })
	@DisplayName("races 1, 2 and 3 follow the version table")
	void dnsRacesFollowTheVersionTable(String scenario, String kernel, boolean dropped, int insertFailed, int drop,
			int clashResolve) {
		Run run = simulate("scenario=" + scenario + "&kernel=" + kernel);
		assertThat(run.types().contains("packet-drop")).isEqualTo(dropped);
		assertThat(run.counter("insert_failed")).isEqualTo(insertFailed);
		assertThat(run.counter("drop")).isEqualTo(drop);
		assertThat(run.counter("clash_resolve")).isEqualTo(clashResolve);
		if (scenario.equals("dnat-race-3") && !dropped) {
			assertThat(run.events())
				.anySatisfy((e) -> assertThat(String.valueOf(e.get("text"))).contains("clash entry"));
		}
	}

	@ParameterizedTest(name = "{0}: the lookup stalls about {1} s")
	@CsvSource({ "glibc, 5.0", "musl, 2.5" })
	@DisplayName("after a UDP drop, glibc stalls about 5 s and musl about 2.5 s")
	void resolverStallsAfterADrop(String resolver, double seconds) {
		Run run = simulate("scenario=dnat-race-1&kernel=4.17&resolver=" + resolver);
		assertThat(run.counter("drop")).isEqualTo(1);
		double latency = ((Number) run.flows().get(0).get("latencyNs")).doubleValue() / SECOND;
		assertThat(latency).isCloseTo(seconds, within(0.01));
	}

	@ParameterizedTest(name = "{0} avoids the race")
	@CsvSource({ "glibc-single-request-reopen", "glibc-use-vc" })
	void singleRequestReopenAndUseVcAvoidTheRace(String resolver) {
		Run run = simulate("scenario=dnat-race-1&kernel=4.17&resolver=" + resolver);
		assertThat(run.counter("insert_failed")).isZero();
		assertThat(run.counter("drop")).isZero();
		assertThat(run.flows()).allSatisfy((f) -> assertThat(f.get("outcome")).isEqualTo("ok"));
	}

	@Test
	@DisplayName("random-fully leaves the DNS races alone")
	void randomFullyDoesNotHelpTheDnsRaces() {
		for (String scenario : List.of("dnat-race-1", "dnat-race-2", "dnat-race-3")) {
			Run run = simulate("scenario=" + scenario + "&kernel=4.17&mode=random-fully");
			assertThat(run.counter("drop")).as(scenario).isEqualTo(1);
		}
	}

	@Test
	@DisplayName("free play, 4.17 default, 32 pods on one bound port: insertion failures in the published 2-4 % band; random-fully far lower")
	void freePlayLandsInThePublishedBand() {
		String query = "scenario=tcp-free-play&kernel=4.17&pods=32&rounds=30&sourcePort=32000&events=false";
		Run defaults = simulate(query + "&mode=default");
		double rate = defaults.counter("insert_failed") / (double) defaults.flows().size();
		assertThat(rate).as("insert_failed per connection").isBetween(0.01, 0.05);
		Run fully = simulate(query + "&mode=random-fully");
		double fullyRate = fully.counter("insert_failed") / (double) fully.flows().size();
		assertThat(fullyRate).isLessThan(rate / 10);
	}

	record Run(Map<String, Object> body) {

		@SuppressWarnings("unchecked")
		List<Map<String, Object>> events() {
			return (List<Map<String, Object>>) this.body.get("events");
		}

		@SuppressWarnings("unchecked")
		List<Map<String, Object>> flows() {
			return (List<Map<String, Object>>) ((Map<String, Object>) this.body.get("summary")).get("flows");
		}

		@SuppressWarnings("unchecked")
		long counter(String name) {
			Map<String, Object> counters = (Map<String, Object>) ((Map<String, Object>) this.body.get("summary"))
				.get("counters");
			return ((Number) counters.get(name)).longValue();
		}

		List<String> types() {
			return events().stream().map((e) -> (String) e.get("type")).toList();
		}

		Map<String, Object> flow(String outcome) {
			return flows().stream().filter((f) -> outcome.equals(f.get("outcome"))).findFirst().orElseThrow();
		}

		/** The source ports chosen by MASQUERADE, in order. */
		@SuppressWarnings("unchecked")
		List<Integer> snatPorts() {
			return events().stream()
				.filter((e) -> "nat-setup".equals(e.get("type")))
				.map((e) -> (Map<String, Object>) e.get("change"))
				.filter((c) -> "SRC".equals(c.get("manip")) && !(Boolean) c.get("nullBinding"))
				.map((c) -> (Integer) ((Map<String, Object>) c.get("chosen")).get("sport"))
				.toList();
		}

		/** Every SYN retransmission timer armed, in seconds. */
		@SuppressWarnings("unchecked")
		List<Double> rtoSeconds() {
			return events().stream()
				.filter((e) -> "timer-set".equals(e.get("type")))
				.filter((e) -> "syn-rto".equals(((Map<String, Object>) e.get("change")).get("timer")))
				.map((e) -> (((Number) ((Map<String, Object>) e.get("change")).get("expiresAt")).longValue()
						- ((Number) e.get("t")).longValue()) / SECOND)
				.toList();
		}

	}

	@SuppressWarnings("unchecked")
	private Run simulate(String query) {
		Map<String, Object> body = this.client.get()
			.uri("/api/simulate?" + query)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
		return new Run(body);
	}

}
