package dev.racetrack.web.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.Change;
import dev.racetrack.web.shared.Knob;
import dev.racetrack.web.shared.RunParamsBinder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalogue the browser reads instead of keeping copies: {@code GET /api/catalogue},
 * the block every Lab page embeds, and the fixture the node tests read
 * ({@code frontend/test/lab/fixtures/catalogue.json}, rewritten with
 * {@code -Dracetrack.updateFixtures=true}) are one and the same, and they hold every knob
 * the binder reads and every kind of {@link Change}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class LabCatalogueTests {

	static final Path FIXTURE = Path.of("frontend/test/lab/fixtures/catalogue.json");

	@Autowired
	WebTestClient client;

	final JsonMapper mapper = JsonMapper.builder().build();

	@Test
	void theEndpointServesTheCatalogue() {
		String body = this.client.get()
			.uri("/api/catalogue")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(this.mapper.readTree(body)).isEqualTo(expected());
	}

	@Test
	void everyLabPageEmbedsTheSameCatalogue() {
		for (String uri : List.of("/", "/compare", "/experiments")) {
			String html = this.client.get()
				.uri(uri)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			String marker = "<script type=\"application/json\" id=\"catalogue\">";
			assertThat(html).as(uri).contains(marker);
			int from = html.indexOf(marker) + marker.length();
			String json = html.substring(from, html.indexOf("</script>", from));
			assertThat(this.mapper.readTree(json)).as(uri).isEqualTo(expected());
		}
	}

	private tools.jackson.databind.JsonNode expected() {
		return this.mapper.readTree(this.mapper.writeValueAsString(LabCatalogue.get()));
	}

	@Test
	void theKnobsAreTheBindersAndItsBoundsAreTheOnesItChecks() {
		LabCatalogue c = LabCatalogue.get();
		assertThat(c.knobs()).extracting(Knob::name).isEqualTo(RunParamsBinder.NAMES);
		for (Knob k : c.knobs()) {
			if ("number".equals(k.kind())) {
				assertThat(bindFails(k.name(), String.valueOf(k.max() + 1))).as(k.name() + " above max").isTrue();
				assertThat(bindFails(k.name(), String.valueOf(k.max()))).as(k.name() + " at max").isFalse();
				assertThat(bindFails(k.name(), String.valueOf(k.min() - 1))).as(k.name() + " below min").isTrue();
			}
			else {
				for (Knob.Option o : k.options()) {
					assertThat(bindFails(k.name(), o.value())).as(k.name() + "=" + o.value()).isFalse();
				}
				assertThat(bindFails(k.name(), "no-such-value")).isTrue();
			}
		}
		assertThat(c.scenarios()).extracting(LabCatalogue.ScenarioView::id).isEqualTo(Scenarios.ids());
		assertThat(c.scenarios()).allSatisfy((s) -> assertThat(s.remedies()).hasSize(2));
	}

	@Test
	void eachVariantIsARunOfItsScenarioThatDiffersFromTheDefaults() {
		LabCatalogue c = LabCatalogue.get();
		assertThat(c.scenarios()).filteredOn((s) -> s.id().equals("snat-port-race"))
			.singleElement()
			.satisfies((s) -> assertThat(s.variants()).extracting(dev.racetrack.scenario.Scenario.Variant::params)
				.contains(Map.of("pods", "6")));
		for (LabCatalogue.ScenarioView s : c.scenarios()) {
			for (dev.racetrack.scenario.Scenario.Variant v : s.variants()) {
				Map<String, String> query = new java.util.HashMap<>(v.params());
				query.put("scenario", s.id());
				dev.racetrack.scenario.RunParams bound = RunParamsBinder.bind(query);
				assertThat(bound).as("%s: %s", s.id(), v.label())
					.isNotEqualTo(Scenarios.byId(s.id()).orElseThrow().defaults());
				assertThat(v.label()).isNotBlank();
				assertThat(v.why()).endsWith(".");
			}
		}
	}

	private static boolean bindFails(String name, String value) {
		try {
			// Race 3 with more endpoints or pods than its own is still a valid run.
			// warm-up is bounded by the duration too: bind it under the longest one.
			RunParamsBinder.bind("scenario".equals(name) ? Map.of(name, value)
					: "warmupS".equals(name)
							? Map.of("scenario", "tcp-free-play", "durationS",
									String.valueOf(dev.racetrack.scenario.RunParams.MAX_DURATION_S), name, value)
							: Map.of("scenario", "tcp-free-play", name, value));
			return false;
		}
		catch (RuntimeException ex) {
			return true;
		}
	}

	@Test
	void theEventTypesAreEveryKindOfChange() {
		List<String> types = LabCatalogue.get().eventTypes();
		assertThat(types).hasSize(Change.class.getPermittedSubclasses().length).doesNotHaveDuplicates();
		assertThat(types).contains("ct-clash", "nat-setup", "resolver-option", "ct-chaintoolong");
		assertThat(Arrays.stream(Change.class.getPermittedSubclasses()).map(Class::getSimpleName))
			.as("each kind is a record the catalogue can name")
			.allSatisfy((n) -> assertThat(n).isNotBlank());
	}

	@Test
	void theCommittedFixtureIsTheCatalogueServedToday() throws IOException {
		String fresh = this.mapper.writerWithDefaultPrettyPrinter().writeValueAsString(LabCatalogue.get()) + "\n";
		if (Boolean.getBoolean("racetrack.updateFixtures")) {
			Files.writeString(FIXTURE, fresh, StandardCharsets.UTF_8);
		}
		assertThat(FIXTURE).as("fixture (create it with -Dracetrack.updateFixtures=true)").exists();
		assertThat(Files.readString(FIXTURE, StandardCharsets.UTF_8))
			.as("frontend/test/lab/fixtures/catalogue.json is stale: rerun this test with "
					+ "-Dracetrack.updateFixtures=true, then run frontend's npm test")
			.isEqualTo(fresh);
	}

}
