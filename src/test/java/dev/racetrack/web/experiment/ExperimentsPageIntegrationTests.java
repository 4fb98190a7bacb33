package dev.racetrack.web.experiment;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Experiments page: the form offers every knob's values, and the page is ready for a
 * strict Content-Security-Policy (no inline script, style or handler).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class ExperimentsPageIntegrationTests {

	@Autowired
	WebTestClient client;

	@Test
	void pageOffersTheKnobsAndLoadsItsOwnModuleAndStylesheet() {
		String html = html("/experiments");
		assertThat(html).contains("<title>Experiments · Racetrack</title>")
			.contains("id=\"experiment-form\"")
			.contains("value=\"random-fully\"")
			.contains("value=\"6.x\"")
			.contains("value=\"dns-free-play\"")
			.contains("src=\"/js/experiment/experiments.js\"")
			.contains("href=\"/css/experiment/experiments.css\"")
			.contains("id=\"results-table\"")
			.doesNotContainPattern("(src|href)=\"https?://");
	}

	@Test
	void pageHasNoInlineScriptStyleOrHandler() {
		String html = html("/experiments");
		assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
			.doesNotContainPattern("\\sstyle=")
			.doesNotContainPattern("<style")
			.doesNotContainPattern("\\son[a-z]+=");
	}

	@Test
	void theModulesAreServed() {
		for (String path : new String[] { "/js/experiment/experiments.js", "/js/experiment/charts.js",
				"/js/lab/catalogue.js", "/css/experiment/experiments.css" }) {
			this.client.get().uri(path).exchange().expectStatus().isOk();
		}
	}

	private String html(String path) {
		return this.client.get()
			.uri(path)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

}
