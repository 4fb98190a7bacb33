package dev.racetrack.web.shared;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request bodies a client gets wrong, sent byte for byte on a socket: a chunked body
 * whose chunk size cannot be read, a body declared too large with
 * {@code Expect: 100-continue}, a body that stops arriving. Each gets problem details
 * naming what is wrong or the limit, and the connection is closed.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "racetrack.request-read-timeout=2s")
class RequestBodyProblemsIntegrationTests {

	@LocalServerPort
	int port;

	@Test
	void aChunkSizeThatCannotBeReadGetsProblemDetailsAndTheConnectionIsClosed() throws IOException {
		for (String path : new String[] { "/api/diagnose", "/api/sessions" }) {
			for (String chunks : new String[] { "zz\r\n{}\r\n0\r\n\r\n", "5\r\n{\"a\":\r\nzz\r\n1\r\n0\r\n\r\n",
					"ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n" }) {
				String answer = exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
						+ "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
				assertThat(answer).as(path + " " + chunks)
					.startsWith("HTTP/1.1 400 ")
					.containsIgnoringCase("content-type: application/problem+json")
					.containsIgnoringCase("connection: close")
					.contains("\"type\":\"/problems/bad-request-body\"")
					.contains("chunked request body could not be read")
					.containsOnlyOnce("HTTP/1.1 ");
			}
		}
	}

	@Test
	void aBadChunkAfter100ContinueGetsProblemDetails() throws IOException {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(5_000);
			write(socket, "POST /api/diagnose HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
					+ "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
			assertThat(readLine(socket.getInputStream())).isEqualTo("HTTP/1.1 100 Continue");
			write(socket, "zz\r\n{}\r\n0\r\n\r\n");
			assertThat(readToEnd(socket.getInputStream())).contains("HTTP/1.1 400 ")
				.contains("\"type\":\"/problems/bad-request-body\"");
		}
	}

	@Test
	void aBadChunkAfterItsRequestWasAnsweredClosesTheConnectionWithoutASecondAnswer() throws IOException {
		String answer = exchange(
				"GET /api/scenarios HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n");
		assertThat(answer).startsWith("HTTP/1.1 200 ").containsOnlyOnce("HTTP/1.1 ");
	}

	@Test
	void aBodyDeclaredOverTheLimitWithExpectContinueGets413AtOnce() throws IOException {
		for (String path : new String[] { "/api/diagnose", "/api/sessions" }) {
			String answer = exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n"
					+ "Content-Type: application/json\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n");
			assertThat(answer).as(path)
				.startsWith("HTTP/1.1 413 ")
				.doesNotContain("100 Continue")
				.containsIgnoringCase("content-type: application/problem+json")
				.containsIgnoringCase("connection: close")
				.contains("\"limit\":\"spring.http.codecs.max-in-memory-size\"")
				.contains("2000000 bytes")
				.contains("1MB");
		}
		String largeImport = exchange("POST /api/export/events HTTP/1.1\r\nHost: localhost\r\n"
				+ "Content-Type: application/json\r\nContent-Length: 9000000\r\nExpect: 100-continue\r\n\r\n");
		assertThat(largeImport).startsWith("HTTP/1.1 413 ")
			.contains("\"limit\":\"event-log-import\"")
			.contains("8 MiB");
	}

	/**
	 * An expectation the server cannot meet (RFC 9110 §10.1.1), as a proxy or an old
	 * client library may send: before, it was ignored and the request answered as if it
	 * had not asked (a session created).
	 */
	@Test
	void anExpectationOtherThan100ContinueGets417NamingTheHeader() throws IOException {
		String answer = exchange("POST /api/sessions HTTP/1.1\r\nHost: localhost\r\n"
				+ "Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n{}");
		assertThat(answer).startsWith("HTTP/1.1 417 ")
			.containsIgnoringCase("content-type: application/problem+json")
			.contains("\"parameter\":\"Expect\"")
			.contains("\"accepted\":\"100-continue\"")
			.contains("200-ok");
		String get = exchange("GET /api/scenarios HTTP/1.1\r\nHost: localhost\r\nExpect: 100-Continue\r\n"
				+ "Connection: close\r\n\r\n");
		assertThat(get).startsWith("HTTP/1.1 200 ");
	}

	@Test
	void aBodySentOverTheCodecsLimitGets413NamingTheLimit() throws IOException {
		String body = "{\"scenario\":\"" + "x".repeat(1_100_000) + "\"}";
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(8_000);
			write(socket, "POST /api/sessions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
					+ "Content-Length: " + body.length() + "\r\n\r\n" + body);
			// the connection stays open (the rest of the body is read and dropped): read
			// the head, then as many bytes as it announces
			StringBuilder head = new StringBuilder();
			for (String line; !(line = readLine(socket.getInputStream())).isEmpty();) {
				head.append(line).append('\n');
			}
			int length = Integer.parseInt(head.toString().replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
			String answer = new String(socket.getInputStream().readNBytes(length), StandardCharsets.UTF_8);
			assertThat(head.toString()).startsWith("HTTP/1.1 413 ")
				.containsIgnoringCase("content-type: application/problem+json");
			assertThat(answer).contains("\"limit\":\"spring.http.codecs.max-in-memory-size\"")
				.contains("larger than 1MB");
		}
	}

	@Test
	void aBodyDeclaredWithinItsLimitStillGets100Continue() throws IOException {
		for (String path : new String[] { "/api/diagnose", "/api/export/events" }) {
			try (Socket socket = new Socket("localhost", this.port)) {
				socket.setSoTimeout(5_000);
				// over the codecs' 1 MB for the import, whose own limit is 8 MiB
				String length = path.equals("/api/diagnose") ? "2" : "2000000";
				write(socket, "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
						+ "Content-Length: " + length + "\r\nExpect: 100-continue\r\n\r\n");
				assertThat(readLine(socket.getInputStream())).as(path).isEqualTo("HTTP/1.1 100 Continue");
			}
		}
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void aBodyThatStopsArrivingGets408NamingTheTimeout(CapturedOutput output) throws Exception {
		String answer = exchange("POST /api/diagnose HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
				+ "Transfer-Encoding: chunked\r\n\r\n7fffffff\r\n{\"iptables\":");
		assertThat(answer).startsWith("HTTP/1.1 408 ")
			.containsIgnoringCase("content-type: application/problem+json")
			.containsIgnoringCase("connection: close")
			.contains("\"limit\":\"racetrack.request-read-timeout\"")
			.contains("2 s");
		// The body's read times out again after the answer, with nobody subscribed:
		// the client's doing, not an error of the server's (DroppedErrors).
		Thread.sleep(3_000);
		assertThat(output.getOut() + output.getErr()).doesNotContain("onErrorDropped")
			.doesNotContain("ReadTimeoutException");
	}

	/**
	 * A body that keeps arriving, but too slowly to be whole within six read timeouts (12
	 * s here; 60 s by default, which an 8 MiB import on a link under 1.1 Mbit/s misses):
	 * a byte every second. Before, reactor-netty's request timeout closed the connection
	 * without a word.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void aBodyTooSlowToBeWholeInTimeGets408NamingTheLimit(CapturedOutput output) throws Exception {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(20_000);
			write(socket, "POST /api/diagnose HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
					+ "Content-Length: 100\r\n\r\n");
			long start = System.nanoTime();
			for (int i = 0; i < 16 && !socket.isInputShutdown(); i++) {
				Thread.sleep(1_000);
				try {
					write(socket, " ");
				}
				catch (IOException closed) {
					break;
				}
			}
			String answer = readToEnd(socket.getInputStream());
			assertThat(answer).startsWith("HTTP/1.1 408 ")
				.containsIgnoringCase("content-type: application/problem+json")
				.containsIgnoringCase("connection: close")
				.contains("\"limit\":\"racetrack.request-read-timeout\"")
				.contains("12 s");
			assertThat((System.nanoTime() - start) / 1_000_000_000L).isBetween(11L, 17L);
		}
		Thread.sleep(1_000);
		assertThat(output.getOut() + output.getErr()).doesNotContain("onErrorDropped")
			.doesNotContain("RequestTimeoutException");
	}

	/** Writes the bytes and reads until the server closes the connection. */
	private String exchange(String request) throws IOException {
		try (Socket socket = new Socket("localhost", this.port)) {
			socket.setSoTimeout(8_000);
			write(socket, request);
			return readToEnd(socket.getInputStream());
		}
	}

	private static void write(Socket socket, String bytes) throws IOException {
		socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
		socket.getOutputStream().flush();
	}

	private static String readLine(InputStream in) throws IOException {
		StringBuilder sb = new StringBuilder();
		for (int c; (c = in.read()) >= 0 && c != '\n';) {
			if (c != '\r') {
				sb.append((char) c);
			}
		}
		return sb.toString();
	}

	private static String readToEnd(InputStream in) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		in.transferTo(out);
		return out.toString(StandardCharsets.ISO_8859_1);
	}

}
