package dev.racetrack.web.shared;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What real clients put in {@code Accept} and {@code Content-Type}, against the pages and
 * the API: a browser's header, an {@code EventSource} pointed at a page by mistake (it
 * always sends {@code Accept: text/event-stream}), a JSON client at a page, and headers
 * no parser can read. A page is HTML or a 406 in problem details, never HTML labelled as
 * something else and never a 500; an error is problem details with its body, whatever was
 * asked; a body of an unreadable type is a 415 naming the header.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class ContentNegotiationIntegrationTests {

	static final List<String> PAGES = List.of("/", "/experiments", "/diagnose", "/compare", "/watch");

	static final String BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

	@Autowired
	WebTestClient client;

	@org.springframework.boot.test.web.server.LocalServerPort
	int port;

	@Test
	void aPageIsHtmlForABrowserAndA406ProblemForAnEventSourceOrAJsonClient() {
		for (String page : PAGES) {
			for (String accept : List.of(BROWSER, "*/*", "text/html;q=0.1, application/json")) {
				EntityExchangeResult<String> r = get(page, accept);
				assertThat(r.getStatus().value()).as("%s with Accept: %s", page, accept).isEqualTo(200);
				assertThat(r.getResponseHeaders().getContentType()).as("%s with Accept: %s", page, accept)
					.isNotNull()
					.satisfies((type) -> assertThat(type.isCompatibleWith(MediaType.TEXT_HTML)).isTrue());
			}
			for (String accept : List.of("text/event-stream", "application/json", "text/plain")) {
				EntityExchangeResult<String> r = get(page, accept);
				assertThat(r.getStatus().value()).as("%s with Accept: %s", page, accept).isEqualTo(406);
				assertThat(r.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
				assertThat(r.getResponseBody()).contains("\"status\":406").contains("text/html");
			}
		}
	}

	@Test
	void anUnreadableAcceptIsDisregardedAndTheErrorStillHasItsProblemDetails() {
		for (String accept : List.of("garbage", "application/json;q=abc", "text/html, garbage", ";;;,")) {
			EntityExchangeResult<String> r = get("/api/simulate?rounds=NaN", accept);
			assertThat(r.getStatus().value()).as("Accept: %s", accept).isEqualTo(400);
			assertThat(r.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
			assertThat(r.getResponseBody()).as("Accept: %s", accept).isNotNull().contains("\"parameter\":\"rounds\"");

			EntityExchangeResult<String> imported = this.client.post()
				.uri("/api/export/events")
				.header("Accept", accept)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"params\":\"none\",\"events\":{\"a\":1}}")
				.exchange()
				.expectBody(String.class)
				.returnResult();
			// what is left of "text/html, garbage" asks for HTML only, which the import
			// does not give
			int status = accept.contains("text/html") ? 406 : 400;
			assertThat(imported.getStatus().value()).as("import with Accept: %s", accept).isEqualTo(status);
			assertThat(imported.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
			assertThat(imported.getResponseBody()).as("import with Accept: %s", accept)
				.contains("\"status\":" + status);
		}
		EntityExchangeResult<String> page = get("/experiments", "text/html, garbage");
		assertThat(page.getStatus().value()).isEqualTo(200);
		assertThat(page.getResponseBody()).contains("<title>Experiments · Racetrack</title>");
	}

	@Test
	void aBodyWhoseContentTypeCannotBeReadGets415NamingTheHeaderOnEveryEndpoint() throws Exception {
		// java.net.http, since Spring's clients refuse to send such a header
		java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
		for (String type : List.of("garbage", "/", "application/json; charset=klingon", "application/json; charset=",
				"application/x-www-form-urlencoded; charset=klingon")) {
			for (String path : List.of("/api/diagnose", "/api/sessions", "/api/export/events")) {
				java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest
					.newBuilder(java.net.URI.create("http://localhost:" + this.port + path))
					.header("Content-Type", type)
					.POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"paste\":\"uname -r\"}"))
					.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
				assertThat(r.statusCode()).as("%s with Content-Type: %s", path, type).isEqualTo(415);
				assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
				assertThat(r.body()).as("%s with Content-Type: %s", path, type)
					.contains("\"parameter\":\"Content-Type\"")
					.contains("cannot be read");
			}
		}
		assertThat(ContentTypeHeaders.unreadable("application/json; charset=klingon"))
			.isEqualTo("unsupported charset 'klingon'");
		assertThat(ContentTypeHeaders.unreadable("application/json;charset=UTF-8")).isNull();
	}

	@Test
	void theReadableEntriesOfAnAcceptHeaderAreKeptInOrder() {
		assertThat(AcceptHeaders.readable(List.of("text/html, garbage, application/json;q=0.5")))
			.containsExactly("text/html", "application/json;q=0.5");
		assertThat(AcceptHeaders.readable(List.of("application/json;q=abc", "*/*;q=2"))).isEmpty();
		assertThat(AcceptHeaders.readable(List.of("text/plain;profile=\"a,b\", */*")))
			.containsExactly("text/plain;profile=\"a,b\"", "*/*");
	}

	private EntityExchangeResult<String> get(String path, String accept) {
		return this.client.get().uri(path).header("Accept", accept).exchange().expectBody(String.class).returnResult();
	}

}
