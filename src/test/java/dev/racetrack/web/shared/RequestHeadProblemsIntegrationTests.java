package dev.racetrack.web.shared;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request heads the application never sees, sent byte for byte on a socket as the clients
 * that send them do (a {@code %} typed into an address bar, {@code curl -g} with braces,
 * a request line or a cookie past the limits, a port scanner's garbage): each is answered
 * in problem details naming what is wrong or the limit, and the connection is closed,
 * even when a good request was pipelined behind the bad one.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RequestHeadProblemsIntegrationTests {

	@LocalServerPort
	int port;

	@Test
	void aTargetThatIsNotAUriGetsProblemDetailsSayingWhatToEncode() throws IOException {
		for (String target : new String[] { "/api/simulate?seed=50%", "/api/simulate?x={}", "/api/simulate?x=%zz",
				"/api/sim|ulate", "/diagnose?q=\"a\"" }) {
			String answer = exchange("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
			assertThat(answer).as(target)
				.startsWith("HTTP/1.1 400 ")
				.containsIgnoringCase("content-type: application/problem+json")
				.containsIgnoringCase("connection: close")
				.contains("\"type\":\"/problems/bad-request-target\"")
				.contains("\"status\":400")
				.contains("write % as %25");
		}
		assertThat(exchange("GET /api/simulate?x=%5B1%5D&events=false HTTP/1.1\r\nHost: localhost\r\n\r\n"))
			.as("an encoded target still reaches the application")
			.startsWith("HTTP/1.1 200 ");
	}

	@Test
	void aRequestLineOrHeadersPastTheLimitsNameTheLimit() throws IOException {
		String longLine = exchange("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
		assertThat(longLine).startsWith("HTTP/1.1 414 ")
			.containsIgnoringCase("content-type: application/problem+json")
			.contains("\"limit\":\"server.netty.max-initial-line-length\"")
			.contains("16KB");
		String bigCookie = exchange(
				"GET /api/scenarios HTTP/1.1\r\nHost: localhost\r\nCookie: " + "a".repeat(20_000) + "\r\n\r\n");
		assertThat(bigCookie).startsWith("HTTP/1.1 431 ")
			.containsIgnoringCase("content-type: application/problem+json")
			.contains("\"limit\":\"server.max-http-request-header-size\"");
	}

	@Test
	void garbageGetsProblemDetailsAndAPipelinedRequestBehindABadHeadIsNotAnswered() throws IOException {
		assertThat(exchange("GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400 ")
			.containsIgnoringCase("content-type: application/problem+json")
			.contains("\"type\":\"/problems/bad-request\"")
			.contains("not valid HTTP/1.1");
		String both = exchange("GET /api/simulate?x={} HTTP/1.1\r\nHost: localhost\r\n\r\n"
				+ "GET /api/scenarios HTTP/1.1\r\nHost: localhost\r\n\r\n");
		assertThat(both).startsWith("HTTP/1.1 400 ").doesNotContain("HTTP/1.1 200");
	}

	@Test
	void aBadHeadPipelinedBehindAnAnswerInProgressDoesNotCutIntoIt() throws IOException {
		String good = "GET /api/simulate?scenario=tcp-free-play&pods=64&rounds=40&events=false HTTP/1.1\r\n"
				+ "Host: localhost\r\n\r\n";
		String bad = "GET /api/simulate?x={} HTTP/1.1\r\nHost: localhost\r\n\r\n";
		String both;
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(5_000);
			socket.getOutputStream().write((good + bad).getBytes(StandardCharsets.ISO_8859_1));
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			byte[] buf = new byte[65536];
			try {
				for (int n; (n = socket.getInputStream().read(buf)) > 0;) {
					out.write(buf, 0, n);
				}
			}
			catch (java.net.SocketTimeoutException ex) {
				// the connection may stay open after the second answer
			}
			both = out.toString(StandardCharsets.ISO_8859_1);
		}
		assertThat(both).startsWith("HTTP/1.1 200 ");
		int second = both.indexOf("HTTP/1.1 400 ");
		assertThat(second).as("the bad head is answered after the good one").isPositive();
		String first = both.substring(0, second);
		assertThat(first).as("the first answer is whole").containsPattern("(\\}|\r\n0\r\n\r\n)$");
		assertThat(first).contains("\"summary\"");
	}

	@Test
	void anHttp2PrefaceGets505SayingToUseHttp11() throws IOException {
		// curl --http2-prior-knowledge: the preface, then an empty SETTINGS frame
		String answer = exchange("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0");
		assertThat(answer).startsWith("HTTP/1.1 505 ")
			.containsIgnoringCase("content-type: application/problem+json")
			.containsIgnoringCase("connection: close")
			.contains("\"type\":\"/problems/http-version\"")
			.contains("HTTP/2 without TLS")
			.contains("HTTP/1.1");
	}

	/** Writes the bytes and reads until the server closes the connection. */
	private String exchange(String request) throws IOException {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
			socket.getOutputStream().flush();
			if (!request.contains("%5B1%5D")) {
				return readToEnd(socket.getInputStream());
			}
			// a good request on a kept-alive connection: read its head and some body
			byte[] buf = new byte[4096];
			int n = socket.getInputStream().read(buf);
			return new String(buf, 0, Math.max(0, n), StandardCharsets.ISO_8859_1);
		}
	}

	private static String readToEnd(InputStream in) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		in.transferTo(out);
		return out.toString(StandardCharsets.ISO_8859_1);
	}

}
