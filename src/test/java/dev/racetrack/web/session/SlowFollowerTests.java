package dev.racetrack.web.session;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Followers that never read their stream must not make the server buffer without bound:
 * each client's buffer is bounded, and a lagging client is moved to the latest snapshot.
 * Here ten such followers sit on a session while the presenter makes the server emit a
 * hundred megabytes of snapshots; the heap must not grow by anything like that.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = "racetrack.sse-buffer-events=64")
class SlowFollowerTests {

	@LocalServerPort
	int port;

	@Test
	void followersThatNeverReadDoNotGrowTheHeap() throws Exception {
		WebClient web = WebClient.create("http://localhost:" + this.port);
		Map<?, ?> session = web.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "tcp-free-play", "pods", "8", "rounds", "4"))
			.retrieve()
			.bodyToMono(Map.class)
			.block(Duration.ofSeconds(30));
		String id = (String) session.get("id");
		String token = (String) session.get("token");
		long total = ((Number) session.get("total")).longValue();
		List<Socket> stalled = new ArrayList<>();
		for (int i = 0; i < 10; i++) {
			Socket socket = new Socket("localhost", this.port);
			socket.setReceiveBufferSize(4096);
			OutputStream out = socket.getOutputStream();
			String request = "GET /api/watch/" + session.get("code")
					+ "/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n";
			out.write(request.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			stalled.add(socket);
		}
		Thread.sleep(500);
		long before = usedHeapAfterGc();
		long emitted = 0;
		for (int i = 0; i < 600; i++) {
			long step = (i % 2 == 0) ? total - 1 : total / 2;
			web.post()
				.uri("/api/sessions/{id}/control", id)
				.header("Authorization", "Bearer " + token)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("action", "seek", "value", step))
				.retrieve()
				.toBodilessEntity()
				.block(Duration.ofSeconds(10));
			emitted += 10;
		}
		long after = usedHeapAfterGc();
		for (Socket s : stalled) {
			s.close();
		}
		long growthMb = (after - before) >> 20;
		System.out.printf("SLOW followers=10 snapshots emitted=%d heap before=%d MB after=%d MB growth=%d MB%n",
				emitted, before >> 20, after >> 20, growthMb);
		assertThat(growthMb).as("heap growth with stalled followers").isLessThan(48);
	}

	private static long usedHeapAfterGc() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

}
