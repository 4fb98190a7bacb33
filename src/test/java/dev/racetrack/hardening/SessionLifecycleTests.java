package dev.racetrack.hardening;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import io.micrometer.core.instrument.MeterRegistry;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sessions come and go without leaving anything behind: a bounded soak of create,
 * connect, disconnect cycles ends with no live sessions and a flat heap; clients killed
 * mid-stream are noticed and released, and the server keeps serving.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
// Idle sessions expire after 2 s: short enough for the soak to see them go, long enough
// that
// a loaded machine's pause between creating a session and opening its stream does not
// expire
// it first (500 ms did, in a full build with other work running).
@TestPropertySource(properties = { "racetrack.session-idle=2s", "racetrack.session-sweep=100ms",
		"racetrack.sse-heartbeat=200ms", "racetrack.max-sessions=300", "racetrack.max-sessions-per-client=300" })
class SessionLifecycleTests {

	static final int CYCLES = Integer.getInteger("racetrack.soak.cycles", 300);

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry metrics;

	@Test
	void aSoakOfCreateConnectDisconnectLeavesNoSessionsAndAFlatHeap() throws Exception {
		WebClient web = WebClient.create("http://localhost:" + this.port);
		long heapBefore = usedHeapAfterGc();
		for (int i = 0; i < CYCLES; i++) {
			Map<?, ?> s = create(web, (i % 2 == 0) ? "snat-port-race" : "dnat-race-3");
			ServerSentEvent<String> first = web.get()
				.uri("/api/sessions/{id}/events", s.get("id"))
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
				})
				.next()
				.block(Duration.ofSeconds(10));
			assertThat(first.event()).isEqualTo("snapshot");
			if (i % 50 == 0) {
				Thread.sleep(300);
			}
		}
		waitFor(() -> gauge("racetrack.sessions") == 0, Duration.ofSeconds(10));
		long heapAfter = usedHeapAfterGc();
		System.out.printf("SOAK cycles=%d live sessions=%.0f streams=%.0f heap before=%d MB after=%d MB%n", CYCLES,
				gauge("racetrack.sessions"), gauge("racetrack.streams"), heapBefore >> 20, heapAfter >> 20);
		assertThat(gauge("racetrack.sessions")).as("live sessions after the soak").isZero();
		assertThat(gauge("racetrack.streams")).isZero();
		assertThat((heapAfter - heapBefore) >> 20).as("heap growth in MB").isLessThan(32);
	}

	@Test
	void clientsKilledMidStreamAreReleasedAndTheServerRecovers() throws Exception {
		WebClient web = WebClient.create("http://localhost:" + this.port);
		Map<?, ?> s = create(web, "tcp-free-play");
		List<Socket> clients = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			Socket socket = new Socket("localhost", this.port);
			OutputStream out = socket.getOutputStream();
			out.write(("GET /api/watch/" + s.get("code") + "/events HTTP/1.1\r\nHost: x\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			clients.add(socket);
		}
		for (Socket socket : clients) {
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[1024];
			assertThat(in.read(buffer)).isPositive();
		}
		waitFor(() -> gauge("racetrack.followers") == 20, Duration.ofSeconds(10));
		web.post()
			.uri("/api/sessions/{id}/control", s.get("id"))
			.header("Authorization", "Bearer " + s.get("token"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", "speed", "value", 64))
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(10));
		web.post()
			.uri("/api/sessions/{id}/control", s.get("id"))
			.header("Authorization", "Bearer " + s.get("token"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", "play"))
			.retrieve()
			.toBodilessEntity()
			.block(Duration.ofSeconds(10));
		for (Socket socket : clients) {
			socket.setSoLinger(true, 0);
			socket.close();
		}
		waitFor(() -> gauge("racetrack.followers") == 0, Duration.ofSeconds(10));
		assertThat(gauge("racetrack.followers")).as("killed clients are released").isZero();
		ServerSentEvent<String> fresh = web.get()
			.uri("/api/watch/{code}/events", s.get("code"))
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.filter((e) -> "snapshot".equals(e.event()))
			.next()
			.block(Duration.ofSeconds(10));
		assertThat(fresh).as("a new follower is served").isNotNull();
	}

	private Map<?, ?> create(WebClient web, String scenario) {
		return web.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", scenario))
			.retrieve()
			.bodyToMono(Map.class)
			.block(Duration.ofSeconds(30));
	}

	private double gauge(String name) {
		return this.metrics.get(name).gauge().value();
	}

	private static void waitFor(java.util.function.BooleanSupplier condition, Duration max)
			throws InterruptedException {
		long deadline = System.nanoTime() + max.toNanos();
		while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
	}

	private static long usedHeapAfterGc() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

}
