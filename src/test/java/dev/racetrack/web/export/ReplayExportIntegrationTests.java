package dev.racetrack.web.export;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /api/export/replay}: one HTML file, sent as an attachment, that holds the
 * Lab's styles, its code and the run, and refers to nothing outside itself.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient(timeout = "30s")
class ReplayExportIntegrationTests {

	static final Pattern DATA = Pattern.compile("<script type=\"application/json\" id=\"replay-data\">(.*?)</script>",
			Pattern.DOTALL);

	@Autowired
	WebTestClient client;

	@Autowired
	JsonMapper json;

	@Test
	void theReplayIsOneSelfContainedFileSentAsAnAttachment() {
		EntityExchangeResult<String> result = this.client.get()
			.uri("/api/export/replay?scenario=snat-port-race&kernel=4.17")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectHeader()
			.valueEquals("Content-Disposition", "attachment; filename=\"racetrack-snat-port-race-4.17-seed1.html\"")
			.expectHeader()
			.exists("Content-Security-Policy")
			.expectBody(String.class)
			.returnResult();
		String html = result.getResponseBody();
		assertThat(html).startsWith("<!DOCTYPE html>")
			.contains("<body class=\"lab\" data-mode=\"replay\">")
			.contains("<style>")
			.contains(".follow-badge")
			.contains("<script type=\"module\">")
			.contains("// --- export/replay.js")
			.contains("class LocalSource");
		assertThat(html).as("nothing outside the file: no script or style by URL, no link to the app")
			.doesNotContainPattern("<script[^>]* src=")
			.doesNotContainPattern("<link[^>]* rel=\"stylesheet\"")
			.doesNotContain("/webjars/")
			.doesNotContain("src=\"/")
			.doesNotContainPattern("href=\"/(?!/)")
			.doesNotContainPattern("(?m)^\\s*(import|export)\\s");
		assertThat(html).as("the knobs are shown, not usable: changing them needs the server")
			.contains("<select name=\"kernel\" disabled=\"disabled\">");

		Matcher m = DATA.matcher(html);
		assertThat(m.find()).isTrue();
		JsonNode data = this.json.readTree(m.group(1));
		JsonNode simulated = this.json.readTree(this.client.get()
			.uri("/api/simulate?scenario=snat-port-race&kernel=4.17")
			.exchange()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody());
		assertThat(data.get("events")).isEqualTo(simulated.get("events"));
		assertThat(data.get("params")).isEqualTo(simulated.get("params"));
		assertThat(data.get("topology").get("cpus").asInt()).isEqualTo(2);
		assertThat(data.get("rules").size()).isPositive();
		assertThat(data.get("replay").asBoolean()).isTrue();
		assertThat(data.get("beats").size()).isPositive();
	}

	@Test
	void theFileNameSaysTheRunAndBadParametersAre400() {
		this.client.get()
			.uri("/api/export/replay?scenario=dnat-race-3&kernel=5.6&mode=random-fully&seed=2")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.valueEquals("Content-Disposition",
					"attachment; filename=\"racetrack-dnat-race-3-5.6-random-fully-seed2.html\"");
		this.client.get()
			.uri("/api/export/replay?kernel=3.10")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("kernel");
	}

	@Test
	void textInTheRunCannotCloseTheScriptThatHoldsIt() {
		String html = this.client.get()
			.uri("/api/export/replay?scenario=dnat-race-1&kernel=6.x")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		Matcher m = DATA.matcher(html);
		assertThat(m.find()).isTrue();
		assertThat(m.group(1)).doesNotContain("<");
		assertThat(html.indexOf("</script>", m.start())).isEqualTo(m.end() - "</script>".length());
	}

}
