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

/**
 * Each mitigation against each race, over {@code /api/simulate} on 4.17 (where every race
 * drops): what it fixes and what it leaves, with the counters that prove it. The
 * mitigations act through rules, NOTRACK, client behaviour and a link delay; nothing
 * tells the model to skip a drop.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "60s")
class MitigationIntegrationTests {

	@Autowired
	WebTestClient client;

	@ParameterizedTest(name = "{0} against {1}: fixed={2}")
	@CsvSource({ "no-snat, snat-port-race, true", "no-snat, dnat-race-1, false", "no-snat, dnat-race-2, false",
			"no-snat, dnat-race-3, false", "nodelocal-dns, snat-port-race, false", "nodelocal-dns, dnat-race-1, true",
			"nodelocal-dns, dnat-race-2, true", "nodelocal-dns, dnat-race-3, true", "tc-delay, snat-port-race, false",
			"tc-delay, dnat-race-1, true", "tc-delay, dnat-race-2, true", "tc-delay, dnat-race-3, true",
			"keep-alive, dnat-race-1, false", "none, snat-port-race, false", "none, dnat-race-3, false" })
	@DisplayName("what each mitigation fixes, and what it leaves")
	void mitigationAgainstRace(String mitigation, String scenario, boolean fixed) {
		Map<String, Object> body = simulate("scenario=" + scenario + "&kernel=4.17&mitigation=" + mitigation);
		Map<String, Long> counters = counters(body);
		if (fixed) {
			assertThat(counters.get("drop")).isZero();
			assertThat(counters.get("insert_failed")).isZero();
			assertThat(flows(body)).allSatisfy((f) -> assertThat(f.get("outcome")).isEqualTo("ok"));
		}
		else {
			assertThat(counters.get("drop")).isEqualTo(1);
			assertThat(counters.get("insert_failed")).isEqualTo(1);
			assertThat(flows(body)).anySatisfy((f) -> assertThat(f.get("outcome")).isEqualTo("retried"));
		}
	}

	@Test
	@DisplayName("no-snat: the pods' own addresses reach the server, so no MASQUERADE port is ever chosen")
	void noSnatLeavesThePodAddress() {
		Map<String, Object> body = simulate("scenario=snat-port-race&kernel=4.17&mitigation=no-snat");
		assertThat(events(body))
			.noneSatisfy((e) -> assertThat(String.valueOf(e.get("text"))).contains("MASQUERADE maps"));
		assertThat(events(body)).anySatisfy((e) -> assertThat(String.valueOf(e.get("text")))
			.contains("10.40.0.18:32000 → 10.0.0.99:80 leaves on eth0"));
	}

	@Test
	@DisplayName("nodelocal-dns: the raw table's NOTRACK keeps the lookups out of conntrack (ignore counts them before 5.10)")
	@SuppressWarnings("unchecked")
	void nodeLocalDnsIsNotTracked() {
		Map<String, Object> body = simulate("scenario=dnat-race-1&kernel=4.17&mitigation=nodelocal-dns");
		assertThat(counters(body).get("ignore")).isPositive();
		assertThat(events(body)).anySatisfy((e) -> assertThat(e.get("type")).isEqualTo("raw-notrack"));
		assertThat(events(body)).as("no UDP entry is DNATed; only the cache's upstream TCP is").noneSatisfy((e) -> {
			assertThat(e.get("type")).isEqualTo("nat-setup");
			Map<String, Object> change = (Map<String, Object>) e.get("change");
			assertThat(change.get("manip")).isEqualTo("DST");
			assertThat(((Map<String, Object>) change.get("ct")).get("proto")).isEqualTo("udp");
		});
	}

	@Test
	@DisplayName("keep-alive: new connections, and so races, become rare")
	void keepAliveMakesRacesRare() {
		String query = "scenario=tcp-free-play&kernel=4.17&pods=32&rounds=30&sourcePort=32000&events=false";
		Map<String, Object> none = simulate(query + "&mitigation=none");
		Map<String, Object> keepAlive = simulate(query + "&mitigation=keep-alive");
		assertThat(flows(none)).hasSize(32 * 30);
		assertThat(flows(keepAlive)).as("one connection per pod").hasSize(32);
		assertThat(counters(none).get("insert_failed")).isGreaterThanOrEqualTo(5);
		assertThat(counters(keepAlive).get("insert_failed"))
			.isLessThanOrEqualTo(counters(none).get("insert_failed") / 5);
	}

	@Test
	@DisplayName("random-fully removes the SNAT race but not the DNS races")
	void randomFullyFixesOnlyTheSnatRace() {
		assertThat(counters(simulate("scenario=snat-port-race&kernel=4.17&mode=random-fully")).get("drop")).isZero();
		assertThat(counters(simulate("scenario=dnat-race-2&kernel=4.17&mode=random-fully")).get("drop")).isEqualTo(1);
	}

	@Test
	@DisplayName("the Lab's session shows the mitigation: the raw NOTRACK rules, the local cache, the delay")
	void theSessionCarriesTheMitigationForTheLab() {
		this.client.post()
			.uri("/api/sessions")
			.contentType(org.springframework.http.MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "dnat-race-1", "mitigation", "nodelocal-dns"))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.rawRules[?(@ =~ /.*169.254.20.10.*NOTRACK.*/)]")
			.exists()
			.jsonPath("$.topology.cache.ip")
			.isEqualTo("169.254.20.10")
			.jsonPath("$.topology.mitigation.id")
			.isEqualTo("nodelocal-dns");
		this.client.post()
			.uri("/api/sessions")
			.contentType(org.springframework.http.MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "dnat-race-1", "mitigation", "tc-delay"))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.topology.mitigation.detail")
			.value((d) -> assertThat((String) d).contains("10 µs"))
			.jsonPath("$.topology.cache")
			.doesNotExist()
			.jsonPath("$.rawRules.length()")
			.isEqualTo(0);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Long> counters(Map<String, Object> body) {
		Map<String, Object> raw = (Map<String, Object>) ((Map<String, Object>) body.get("summary")).get("counters");
		Map<String, Long> counters = new java.util.HashMap<>();
		raw.forEach((k, v) -> counters.put(k, ((Number) v).longValue()));
		return counters;
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> flows(Map<String, Object> body) {
		return (List<Map<String, Object>>) ((Map<String, Object>) body.get("summary")).get("flows");
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> events(Map<String, Object> body) {
		return (List<Map<String, Object>>) body.get("events");
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> simulate(String query) {
		return this.client.get()
			.uri("/api/simulate?" + query)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
	}

}
