package dev.racetrack.web.lab;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the Lab's knob bar ({@link LabController}): the page for a permalink, the
 * htmx fragment of a changed knob, and the Compare page.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class LabKnobsIntegrationTests {

	@Autowired
	WebTestClient client;

	@Test
	void aPermalinkDrawsTheKnobsOfItsRunWithTheRunForTheModules() {
		String html = get("/?scenario=snat-port-race&kernel=5.6&mode=random-fully&seed=7&step=27");
		assertThat(html).contains("<option value=\"5.6\" selected=\"selected\">")
			.contains("<option value=\"random-fully\" selected=\"selected\">")
			.contains("name=\"seed\" type=\"number\" min=\"0\" max=\"9007199254740991\" value=\"7\"")
			.contains("data-run=\"{&quot;params&quot;:{&quot;scenario&quot;:&quot;snat-port-race&quot;")
			.contains("&quot;rules&quot;:[&quot;-P PREROUTING ACCEPT&quot;")
			.contains("MASQUERADE --random-fully")
			.contains(
					"&quot;pods&quot;:[{&quot;name&quot;:&quot;pod-a&quot;,&quot;ip&quot;:&quot;10.40.0.17&quot;,&quot;veth&quot;:&quot;veth-a&quot;}")
			.doesNotContain("style=")
			.doesNotContainPattern("<script(?![^>]*src=)(?![^>]*type=\"application/json\")[^>]*>");
	}

	@Test
	void changingAKnobAnswersWithTheKnobBarOfTheNewRunAndPushesItsPermalink() {
		String html = this.client.post()
			.uri("/lab/run")
			.header("HX-Request", "true")
			.header("HX-Trigger-Name", "mode")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("scenario=snat-port-race&kernel=4.17&mode=random-fully&pods=2&rounds=1&cpus=2&endpoints=1&seed=1"
					+ "&sourcePort=32000&ndots=5&resolver=glibc&mitigation=none")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("HX-Push-Url",
					"/?scenario=snat-port-race&kernel=4.17&mode=random-fully&resolver=glibc&pods=2&rounds=1"
							+ "&sourcePort=32000&cpus=2&endpoints=1&seed=1&mitigation=none&ndots=5")
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html).startsWith("<form").contains("id=\"knobs\"").contains("id=\"run\"").doesNotContain("<html");
	}

	@Test
	void changingTheScenarioStartsFromThatScenariosDefaults() {
		this.client.post()
			.uri("/lab/run")
			.header("HX-Request", "true")
			.header("HX-Trigger-Name", "scenario")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("scenario=dnat-race-3&kernel=6.x&seed=1&endpoints=1")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.value("HX-Push-Url",
					(url) -> assertThat(url).contains("scenario=dnat-race-3")
						.contains("endpoints=2")
						.contains("seed=2"));
	}

	@Test
	void aBadKnobIsNamedAndTheRunIsNotRestarted() {
		String html = this.client.post()
			.uri("/lab/run")
			.header("HX-Request", "true")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("scenario=snat-port-race&pods=999")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html).contains("is not a valid pods").contains("data-error=");
	}

	@Test
	void compareCarriesEachRunAndNamesABadOne() {
		String html = this.client.get()
			.uri((b) -> b.path("/compare")
				.queryParam("a", "{a}")
				.queryParam("b", "{b}")
				.queryParam("c", "{c}")
				.build("scenario=snat-port-race", "scenario=snat-port-race&mode=random-fully", "scenario=nope"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html.split("class=\"run-data\"", -1)).hasSize(3);
		assertThat(html).contains("c: &#39;nope&#39; is not a valid scenario").contains("src=\"/js/lab/compare.js\"");
	}

	private String get(String uri) {
		return this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

}
