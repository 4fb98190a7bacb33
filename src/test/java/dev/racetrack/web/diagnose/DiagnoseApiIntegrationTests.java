package dev.racetrack.web.diagnose;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.BodyInserters;

/**
 * {@code POST /api/diagnose}: JSON and form posts in, the diagnosis out; bad parameters,
 * bodies and content types are problem details, never a 500.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class DiagnoseApiIntegrationTests {

	@Autowired
	WebTestClient client;

	@Test
	void jsonPostReturnsTheDiagnosis() {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("conntrackStats", fixture("conntrack-s-old.txt"));
		body.put("iptables", fixture("iptables-save-docker.txt"));
		body.put("uname", "root@node:~# uname -r\n4.17.19\n");
		body.put("resolvConf", fixture("resolv-kubelet.conf"));
		postJson(body).expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectBody()
			.jsonPath("$.profile.id")
			.isEqualTo("4.17")
			.jsonPath("$.profile.uname")
			.isEqualTo("4.17.19")
			.jsonPath("$.verdict.severity")
			.isEqualTo("warning")
			.jsonPath("$.verdict.text")
			.value((String t) -> org.assertj.core.api.Assertions.assertThat(t)
				.contains("291 clash drops since the counters started"))
			.jsonPath("$.verdict.firstFix")
			.value((String f) -> org.assertj.core.api.Assertions.assertThat(f)
				.contains("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE --random-fully"))
			.jsonPath("$.verdict.perMinute")
			.isEmpty()
			.jsonPath("$.findings[0].id")
			.isEqualTo("snat-port-race")
			.jsonPath("$.findings[0].severity")
			.isEqualTo("warning")
			.jsonPath("$.findings[0].evidence[0]")
			.isEqualTo("line 20 of iptables: -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE "
					+ "(no --random-fully), written by Docker")
			.jsonPath("$.findings[0].mitigations[0]")
			.value((String m) -> org.assertj.core.api.Assertions.assertThat(m).contains("--random-fully"))
			.jsonPath("$.unreadLines")
			.isEmpty()
			.jsonPath("$.replayUrl")
			.isEqualTo("/?scenario=snat-port-race&kernel=4.17&mode=default&resolver=glibc");
	}

	@Test
	void jsonPostOfOnePasteWithTwoSamplesGivesTheRateInTheVerdict() {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("paste", "> $ uname -r\n> 5.4.0-1103-azure\n> $ conntrack -S; sleep 30; conntrack -S\n"
				+ "> cpu=0 found=1 insert_failed=40 drop=6\n> cpu=0 found=2 insert_failed=52 drop=16\n");
		postJson(body).expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.verdict.severity")
			.isEqualTo("critical")
			.jsonPath("$.verdict.perMinute")
			.isEqualTo(20.0)
			.jsonPath("$.verdict.text")
			.value((String t) -> org.assertj.core.api.Assertions.assertThat(t)
				.startsWith("About 20 connections or lookups delayed a minute"))
			.jsonPath("$.profile.uname")
			.isEqualTo("5.4.0-1103-azure")
			.jsonPath("$.read[0]")
			.isEqualTo("conntrack statistics: lines 4–5");
	}

	@Test
	void jsonPostReportsUnreadLinesWithTheirNumbersAndIsNotA400() {
		postJson(Map.of("conntrackStats", "cpu=0 drop=1\nnot a counter line\n", "uname", "5.4.0-1103-azure"))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.unreadLines[0].field")
			.isEqualTo("conntrackStats")
			.jsonPath("$.unreadLines[0].line")
			.isEqualTo(2)
			.jsonPath("$.unreadLines[0].reason")
			.exists();
	}

	@Test
	void jsonPostWithTwoSamplesGivesRates() {
		postJson(Map.of("conntrackStats", "cpu=0 insert_failed=10 drop=10\n", "conntrackStatsLater",
				"cpu=0 insert_failed=16 drop=16\n", "intervalSeconds", 60, "uname", "4.19.112+"))
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.findings[?(@.id == 'conntrack-rates')].title")
			.isEqualTo("About 6 connections or lookups delayed per minute");
	}

	@Test
	void intervalSecondsMayBeAStringOfDigits() {
		postJson(Map.of("conntrackStats", "cpu=0 drop=1", "conntrackStatsLater", "cpu=0 drop=2", "intervalSeconds",
				"30"))
			.expectStatus()
			.isOk();
	}

	@Test
	void formPostReturnsTheSameDiagnosisAsJson() {
		MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
		form.add("conntrackStats", fixture("proc-new-header.txt"));
		form.add("iptables", fixture("iptables-S-kube-proxy-new.txt"));
		form.add("uname", "6.8.0-1015-gcp");
		form.add("resolvConf", "");
		form.add("intervalSeconds", "");
		this.client.post()
			.uri("/api/diagnose")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.body(BodyInserters.fromFormData(form))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.profile.id")
			.isEqualTo("6.x")
			.jsonPath("$.findings[0].severity")
			.isEqualTo("info")
			.jsonPath("$.replayUrl")
			.isEqualTo("/?scenario=dnat-race-1&kernel=6.x&mode=random-fully&resolver=glibc&endpoints=3");
	}

	@Test
	void emptyJsonBodyIs400() {
		this.client.post()
			.uri("/api/diagnose")
			.contentType(MediaType.APPLICATION_JSON)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo("body");
	}

	@Test
	void onlyBlankFieldsIs400() {
		expectProblem(postJson(Map.of("conntrackStats", "  \n", "uname", "")), 400, "body");
	}

	@Test
	void fieldOver64KibIs400NamingTheField() {
		expectProblem(postJson(Map.of("iptables", "-A POSTROUTING -j MASQUERADE\n".repeat(3000))), 400, "iptables")
			.jsonPath("$.accepted")
			.isEqualTo("text of at most 65536 bytes (64 KiB)");
	}

	@Test
	void bodyOverTheCodecLimitIs413ProblemJson() {
		expectProblem(postJson(Map.of("iptables", "x".repeat(1_100_000))), 413, "body").jsonPath("$.detail")
			.isEqualTo("The request body is larger than 1MB (spring.http.codecs.max-in-memory-size); "
					+ "each text is read up to 64 KiB.");
	}

	@Test
	void intervalOutOfRangeIs400() {
		expectProblem(postJson(
				Map.of("conntrackStats", "cpu=0 drop=1", "conntrackStatsLater", "cpu=0 drop=2", "intervalSeconds", 0)),
				400, "intervalSeconds");
		expectProblem(postJson(Map.of("conntrackStats", "cpu=0 drop=1", "conntrackStatsLater", "cpu=0 drop=2",
				"intervalSeconds", 86_401)), 400, "intervalSeconds");
		expectProblem(postJson(Map.of("conntrackStats", "cpu=0 drop=1", "intervalSeconds", 2.5)), 400,
				"intervalSeconds");
		expectProblem(postJson(Map.of("conntrackStats", "cpu=0 drop=1", "intervalSeconds", "soon")), 400,
				"intervalSeconds");
	}

	@Test
	void laterSampleWithoutIntervalIs400() {
		expectProblem(postJson(Map.of("conntrackStats", "cpu=0 drop=1", "conntrackStatsLater", "cpu=0 drop=2")), 400,
				"intervalSeconds");
	}

	@Test
	void malformedJsonIs400ProblemJson() {
		expectProblem(this.client.post()
			.uri("/api/diagnose")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"conntrackStats\": \"cpu=0")
			.exchange(), 400, "body");
		expectProblem(this.client.post()
			.uri("/api/diagnose")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"conntrackStats\": [1, 2]}")
			.exchange(), 400, "body");
	}

	@Test
	void malformedFormEncodingIs400ProblemJson() {
		expectProblem(this.client.post()
			.uri("/api/diagnose")
			.contentType(MediaType.APPLICATION_FORM_URLENCODED)
			.bodyValue("uname=%zz")
			.exchange(), 400, "body");
	}

	@Test
	void otherContentTypeIs415ProblemJson() {
		expectProblem(this.client.post()
			.uri("/api/diagnose")
			.contentType(MediaType.TEXT_PLAIN)
			.bodyValue("cpu=0 drop=1")
			.exchange(), 415, "Content-Type");
	}

	private WebTestClient.ResponseSpec postJson(Map<String, ?> body) {
		return this.client.post()
			.uri("/api/diagnose")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange();
	}

	private static WebTestClient.BodyContentSpec expectProblem(WebTestClient.ResponseSpec response, int status,
			String parameter) {
		return response.expectStatus()
			.isEqualTo(status)
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo(status)
			.jsonPath("$.parameter")
			.isEqualTo(parameter)
			.jsonPath("$.accepted")
			.exists();
	}

	static String fixture(String name) {
		try (InputStream in = DiagnoseApiIntegrationTests.class.getResourceAsStream("/diagnose/" + name)) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
