package dev.racetrack.web.diagnose;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code /diagnose} page: one URL, two renderings (the whole page without
 * {@code HX-Request}, the fragment with it), no inline script or style, examples served
 * by the app.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class DiagnosePageIntegrationTests {

	@Autowired
	WebTestClient client;

	@Test
	void pageHasThePasteBoxTheFourLabelledBoxesTheLaterSampleAndNoInlineScriptOrStyle() {
		String html = get("/diagnose", false);
		assertThat(html).contains("<title>Diagnose · Racetrack</title>")
			.contains("<label for=\"paste\">")
			.contains("What is read")
			.contains("<body class=\"diagnose\">")
			.contains("href=\"/css/diagnose/diagnose.css\"")
			.contains("hx-post=\"/diagnose/findings\"")
			.contains("<label for=\"conntrackStats\">")
			.contains("<label for=\"iptables\">")
			.contains("<label for=\"uname\">")
			.contains("<label for=\"resolvConf\">")
			.contains("id=\"conntrackStatsLater\"")
			.contains("id=\"intervalSeconds\"")
			.contains("hx-get=\"/diagnose/example?name=docker-2018\"")
			.doesNotContain("style=")
			.doesNotContain("onclick")
			.doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>")
			.doesNotContain("class=\"results\"");
	}

	@ParameterizedTest(name = "HX-Request: {0}")
	@ValueSource(booleans = { false, true })
	void findingsComeBackAsPageOrFragment(boolean htmx) {
		String html = postFindings(form("4.17.19"), htmx).expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html).contains("class=\"results\"")
			.contains("id=\"verdict\" class=\"verdict verdict-warning\"")
			.contains("one sample cannot say whether it is still happening")
			.contains("id=\"first-fix\"")
			.contains("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE --random-fully")
			.contains("id=\"finding-snat-port-race\"")
			.contains("line 20 of iptables: -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE")
			.contains("What fixes it, best first")
			.contains("Open the matching replay")
			.contains("href=\"/?scenario=snat-port-race&amp;kernel=4.17&amp;mode=default&amp;resolver=glibc\"");
		if (htmx) {
			assertThat(html).doesNotContain("<html").doesNotContain("<form");
		}
		else {
			assertThat(html).contains("<html").contains("id=\"diagnose-form\"").contains("4.17.19</textarea>");
		}
	}

	@Test
	void unreadLinesAreListedWithTheirBoxAndNumber() {
		MultiValueMap<String, String> form = form("4.17.19");
		form.set("conntrackStats", "cpu=0 drop=1\n\nwhat is this");
		String html = postFindings(form, true).expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(html).contains("Lines not read")
			.contains("<td>conntrack -S</td>")
			.contains("<td class=\"line-number\">3</td>");
	}

	@ParameterizedTest(name = "HX-Request: {0}")
	@ValueSource(booleans = { false, true })
	void emptyFormSaysWhatIsMissing(boolean htmx) {
		MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
		form.add("conntrackStats", "");
		WebTestClient.ResponseSpec response = postFindings(form, htmx);
		(htmx ? response.expectStatus().isOk() : response.expectStatus().isBadRequest()).expectBody(String.class)
			.value((html) -> assertThat(html).contains("Not diagnosed").contains("Nothing to diagnose"));
	}

	@ParameterizedTest(name = "HX-Request: {0}")
	@ValueSource(booleans = { false, true })
	void exampleFillsTheForm(boolean htmx) {
		String html = get("/diagnose/example?name=aks-5-4", htmx);
		assertThat(html).contains("id=\"diagnose-form\"")
			.contains("5.4.0-1103-azure")
			.contains("KUBE-SVC-TCOU7JCQXEZGVUNU");
		if (htmx) {
			assertThat(html).doesNotContain("<html");
		}
	}

	@Test
	void everyExampleDiagnosesWithoutUnreadLines() {
		for (String name : new String[] { "docker-2018", "aks-5-4", "current-6-8", "capture-2018" }) {
			String html = get("/diagnose/example?name=" + name, true);
			MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
			for (String field : DiagnoseForm.TEXT_FIELDS) {
				form.add(field, textareaOf(html, field));
			}
			form.add("intervalSeconds", name.equals("docker-2018") ? "60" : "");
			String findings = postFindings(form, true).expectStatus()
				.isOk()
				.expectBody(String.class)
				.returnResult()
				.getResponseBody();
			assertThat(findings).as(name).contains("class=\"finding ").doesNotContain("Lines that could not be read");
			if (name.equals("capture-2018")) {
				assertThat(findings).contains("tcpdump: 1 DNS query lost while its twin was answered")
					.contains("scenario=dnat-race-1");
			}
		}
	}

	@Test
	void projectorThemeIsABodyClassAndAnUnknownThemeIs400() {
		assertThat(get("/diagnose?theme=projector", false)).contains("<body class=\"diagnose projector\">");
		this.client.get()
			.uri("/diagnose?theme=neon")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("theme");
	}

	@Test
	void unknownExampleIs400() {
		this.client.get()
			.uri("/diagnose/example?name=nope")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("name");
	}

	@Test
	void stylesheetIsServed() {
		this.client.get()
			.uri("/css/diagnose/diagnose.css")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.value((css) -> assertThat(css).contains(".badge-critical"));
	}

	private String get(String uri, boolean htmx) {
		WebTestClient.RequestHeadersSpec<?> request = this.client.get().uri(uri);
		if (htmx) {
			request = request.header("HX-Request", "true");
		}
		return request.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.TEXT_HTML)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
	}

	private WebTestClient.ResponseSpec postFindings(MultiValueMap<String, String> form, boolean htmx) {
		WebTestClient.RequestHeadersSpec<?> request = this.client.post()
			.uri("/diagnose/findings")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.body(BodyInserters.fromFormData(form));
		if (htmx) {
			request = request.header("HX-Request", "true");
		}
		return request.exchange();
	}

	private static MultiValueMap<String, String> form(String uname) {
		MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
		form.add("conntrackStats", DiagnoseApiIntegrationTests.fixture("conntrack-s-old.txt"));
		form.add("iptables", DiagnoseApiIntegrationTests.fixture("iptables-save-docker.txt"));
		form.add("uname", uname);
		form.add("resolvConf", "");
		form.add("conntrackStatsLater", "");
		form.add("intervalSeconds", "");
		return form;
	}

	/** The unescaped text of a textarea, as a browser would post it. */
	private static String textareaOf(String html, String id) {
		int start = html.indexOf('>', html.indexOf("<textarea id=\"" + id + "\"")) + 1;
		String escaped = html.substring(start, html.indexOf("</textarea>", start));
		return escaped.replace("&lt;", "<")
			.replace("&gt;", ">")
			.replace("&quot;", "\"")
			.replace("&#39;", "'")
			.replace("&amp;", "&");
	}

}
