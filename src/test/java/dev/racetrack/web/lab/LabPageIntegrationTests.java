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
 * The Lab page and the assets it loads are all served by the application itself.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class LabPageIntegrationTests {

	@Autowired
	WebTestClient client;

	@Test
	void labPageLoadsHtmxFromTheApp() {
		String html = this.client.get()
			.uri("/")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html).contains("src=\"/webjars/htmx.org/dist/htmx.min.js\"")
			.doesNotContain("htmx-ext-sse")
			.contains("src=\"/js/session/present.js\"")
			.doesNotContainPattern("(src|href)=\"https?://");
	}

	@Test
	void htmxIsServed() {
		this.client.get().uri("/webjars/htmx.org/dist/htmx.min.js").exchange().expectStatus().isOk();
	}

	@Test
	void frontendModulesAreServedFromTheJar() {
		this.client.get()
			.uri("/js/shared/format.js")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((js) -> assertThat(js).contains("export function formatSimTime"));
		this.client.get().uri("/css/shared/racetrack.css").exchange().expectStatus().isOk();
	}

	@Test
	void healthIsUp() {
		this.client.get()
			.uri("/actuator/health")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("UP");
	}

}
