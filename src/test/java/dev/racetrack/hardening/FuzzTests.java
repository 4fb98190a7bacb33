package dev.racetrack.hardening;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.util.UriComponentsBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of random and malformed requests to every endpoint (wrong types, huge
 * numbers, unicode, missing fields, wrong content types, garbage bodies): none may get a
 * 5xx, and every error must be an {@code application/problem+json} body. The generator is
 * seeded, so a failure names a request that reproduces.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = { "racetrack.max-trace-events=20000", "racetrack.max-concurrent-runs=64" })
class FuzzTests {

	static final int REQUESTS = Integer.getInteger("racetrack.fuzz.requests", 2500);

	static final String[] PARAMS = { "scenario", "kernel", "mode", "resolver", "pods", "rounds", "sourcePort", "cpus",
			"endpoints", "seed", "mitigation", "ndots", "events", "step", "format", "iface", "trials", "action",
			"value", "preset", "workload", "workers", "periodMs", "durationS", "warmupS", "connectTimeoutMs", "at",
			"table" };

	/**
	 * What clients ask for: browsers, htmx and curl, but also an {@code EventSource}
	 * pointed at a page, a JSON client, a header no parser can read.
	 */
	static final String[] ACCEPT = { "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*",
			"text/event-stream", "application/json", "application/problem+json", "text/plain", "image/png",
			"text/html;q=0.1, application/json", "garbage", "application/json;q=abc" };

	static final String[] GOOD = { "snat-port-race", "dnat-race-3", "4.17", "6.x", "random-fully", "musl", "2", "1",
			"0", "true", "false", "none", "tc-delay", "list", "eth0", "play", "seek" };

	static final String[] BAD = { "", " ", "-1", "99999999999999999999999999", "1e9", "NaN", "0x10", "'; DROP",
			"\u0000", "\uD83D\uDE80", "é", "%", "%%", "../../etc/passwd", "null", "[]", "{}", "1.5", "  42  ",
			"x".repeat(3000), "\u202Eabc", "true\nfalse", "<script>", "9223372036854775808" };

	@LocalServerPort
	int port;

	@Test
	void noRequestGetsA5xxAndEveryErrorIsProblemJson() {
		Random random = new Random(20261122);
		WebClient web = WebClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.codecs((c) -> c.defaultCodecs().maxInMemorySize(16 * 1024 * 1024))
			.build();
		List<String> failures = new ArrayList<>();
		Map<Integer, Integer> statuses = new TreeMap<>();
		String session = createSession(web);
		for (int i = 0; i < REQUESTS && failures.size() < 5; i++) {
			Request r = request(random, session);
			if (random.nextInt(4) == 0) {
				r = r.accepting(ACCEPT[random.nextInt(ACCEPT.length)]);
			}
			Result result = send(web, r);
			statuses.merge(result.status, 1, Integer::sum);
			if (result.status >= 500) {
				failures.add(result.status + " for " + r);
			}
			else if (result.status < 300 && !r.path().startsWith("/api")
					&& !result.contentType.startsWith("text/html")) {
				failures.add("a page served as " + result.contentType + " for " + r);
			}
			else if (result.status >= 400 && !result.problemJson
					&& (r.path().startsWith("/api") || !result.contentType.startsWith("text/html"))) {
				failures.add(result.status + " without problem+json (" + result.contentType + ") for " + r);
			}
		}
		System.out.println("FUZZ requests=" + REQUESTS + " statuses=" + statuses);
		assertThat(failures).isEmpty();
		assertThat(statuses.keySet()).as("the fuzz reaches both success and rejection").contains(200, 400);
	}

	record Request(HttpMethod method, String path, MediaType contentType, String body, String accept) {

		Request(HttpMethod method, String path, MediaType contentType, String body) {
			this(method, path, contentType, body, null);
		}

		Request accepting(String accept) {
			return new Request(this.method, this.path, this.contentType, this.body, accept);
		}

		@Override
		public String toString() {
			String b = (this.body == null) ? "" : " body=" + this.body.substring(0, Math.min(120, this.body.length()));
			String a = (this.accept == null) ? "" : " Accept: " + this.accept;
			return this.method + " " + this.path.substring(0, Math.min(200, this.path.length())) + " "
					+ this.contentType + b + a;
		}

	}

	record Result(int status, boolean problemJson, String contentType) {
	}

	private Request request(Random random, String session) {
		int kind = random.nextInt(13);
		String query = query(random);
		return switch (kind) {
			case 0, 1, 2 -> new Request(HttpMethod.GET, "/api/simulate?" + query + "&events=false", null, null);
			case 3 -> new Request(HttpMethod.POST, "/api/sessions", contentType(random), body(random));
			case 4 -> new Request(HttpMethod.POST,
					"/api/sessions/" + enc(pick(random, session, "x", value(random))) + "/control", contentType(random),
					"{\"action\":\"" + value(random) + "\",\"value\":" + json(random) + "}");
			case 5 -> new Request(HttpMethod.GET, "/api/watch/" + enc(value(random)) + "/events", null, null);
			case 6 -> new Request(HttpMethod.POST, "/api/diagnose", contentType(random), body(random));
			case 7 -> new Request(HttpMethod.GET, "/api/sessions/" + enc(value(random)), null, null);
			case 8 -> new Request(random.nextBoolean() ? HttpMethod.DELETE : HttpMethod.PUT,
					pick(random, "/api/simulate", "/api/sessions", "/api/diagnose"), contentType(random), body(random));
			case 9 ->
				new Request(
						HttpMethod.GET, pick(random, "/api/export/conntrack", "/api/export/iptables",
								"/api/export/pcap", "/api/export/events", "/api/export/replay") + "?" + query,
						null, null);
			case 10 ->
				new Request(HttpMethod.GET, "/api/experiments?" + query + "&trials=" + enc(value(random)), null, null);
			case 11 -> new Request(HttpMethod.POST, "/api/export/events", contentType(random),
					"{\"params\":" + pick(random, "{}", json(random), "{\"scenario\":\"snat-port-race\"}")
							+ ",\"events\":" + pick(random, "[]", json(random), "[{\"seq\":0}]") + "}");
			default ->
				new Request(
						HttpMethod.GET, pick(random, "/", "/api/scenarios", "/nope", "/api/", "/diagnose",
								"/experiments", "/compare", "/watch", "/watch/" + enc(value(random))) + "?" + query,
						null, null);
		};
	}

	private String query(Random random) {
		StringBuilder sb = new StringBuilder();
		int n = random.nextInt(6);
		for (int i = 0; i < n; i++) {
			String name = (random.nextInt(10) == 0) ? value(random) : PARAMS[random.nextInt(PARAMS.length)];
			sb.append(enc(name)).append('=').append(enc(value(random))).append('&');
		}
		sb.append("scenario=")
			.append(enc(pick(random, "snat-port-race", "dnat-race-1", "tcp-free-play", value(random))));
		return sb.toString();
	}

	private String value(Random random) {
		return random.nextBoolean() ? GOOD[random.nextInt(GOOD.length)] : BAD[random.nextInt(BAD.length)];
	}

	private String json(Random random) {
		return switch (random.nextInt(5)) {
			case 0 -> "\"" + value(random).replace("\\", "").replace("\"", "") + "\"";
			case 1 -> String.valueOf(random.nextLong());
			case 2 -> "[1,2]";
			case 3 -> "{\"a\":1}";
			default -> "null";
		};
	}

	private String body(Random random) {
		return switch (random.nextInt(6)) {
			case 0 -> "{\"scenario\":" + json(random) + ",\"pods\":" + json(random) + "}";
			case 1 -> "{";
			case 2 -> "scenario=" + enc(value(random)) + "&pods=" + enc(value(random));
			case 3 -> "";
			case 4 -> "\u0000\u0001garbage" + value(random);
			default -> "{\"conntrackStats\":" + json(random) + ",\"uname\":\"" + "5.4.0-1" + "\"}";
		};
	}

	private MediaType contentType(Random random) {
		return switch (random.nextInt(5)) {
			case 0 -> MediaType.APPLICATION_FORM_URLENCODED;
			case 1 -> MediaType.TEXT_PLAIN;
			case 2 -> MediaType.APPLICATION_XML;
			default -> MediaType.APPLICATION_JSON;
		};
	}

	@SafeVarargs
	private static <T> T pick(Random random, T... values) {
		return values[random.nextInt(values.length)];
	}

	private static String enc(String s) {
		return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
	}

	private Result send(WebClient web, Request r) {
		WebClient.RequestBodySpec spec = web.method(r.method())
			.uri(UriComponentsBuilder.fromUriString("http://localhost:" + this.port + r.path()).build(true).toUri());
		WebClient.RequestHeadersSpec<?> headers = spec;
		if (r.accept() != null) {
			spec.header("Accept", r.accept());
		}
		if (r.body() != null) {
			headers = spec.contentType(r.contentType()).bodyValue(r.body());
		}
		return headers.exchangeToMono((response) -> {
			int status = response.statusCode().value();
			String type = response.headers().contentType().map(MediaType::toString).orElse("");
			boolean sse = type.startsWith(MediaType.TEXT_EVENT_STREAM_VALUE);
			Mono<String> body = sse ? response.releaseBody().thenReturn("")
					: response.bodyToMono(String.class).defaultIfEmpty("");
			return body.map((text) -> new Result(status,
					type.startsWith("application/problem+json") && text.contains("\"status\""), type));
		}).block(Duration.ofSeconds(60));
	}

	private static String createSession(WebClient web) {
		Map<?, ?> s = web.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race"))
			.retrieve()
			.bodyToMono(Map.class)
			.block(Duration.ofSeconds(30));
		return (String) s.get("id");
	}

}
