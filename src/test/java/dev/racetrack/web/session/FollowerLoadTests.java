package dev.racetrack.web.session;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded load test on loopback: {@code racetrack.load.followers} followers (100 by
 * default, so CI stays quick; run with {@code -Dracetrack.load.followers=1000} for the
 * full figure) join one session, the presenter steps 20 times, and every follower must
 * receive every step. It prints the delivery latency (from the control request to each
 * follower's receipt: p50, p99, max) and the heap before and after.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestPropertySource(properties = "racetrack.max-followers-per-session=5000")
class FollowerLoadTests {

	static final int FOLLOWERS = Integer.getInteger("racetrack.load.followers", 100);

	static final int STEPS = 20;

	@LocalServerPort
	int port;

	@Test
	void everyFollowerReceivesEveryStep() throws Exception {
		ConnectionProvider pool = ConnectionProvider.builder("followers")
			.maxConnections(FOLLOWERS + 16)
			.pendingAcquireMaxCount(-1)
			.build();
		WebClient web = WebClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.clientConnector(new ReactorClientHttpConnector(HttpClient.create(pool)))
			.build();
		Map<?, ?> session = web.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race"))
			.retrieve()
			.bodyToMono(Map.class)
			.block(Duration.ofSeconds(30));
		String id = (String) session.get("id");
		String code = (String) session.get("code");
		String token = (String) session.get("token");
		long heapBefore = usedHeapAfterGc();

		Map<Long, Long> sentAt = new ConcurrentHashMap<>();
		List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
		AtomicInteger connected = new AtomicInteger();
		CountDownLatch allConnected = new CountDownLatch(FOLLOWERS);
		CountDownLatch allReceived = new CountDownLatch(FOLLOWERS * STEPS);
		List<Disposable> followers = new ArrayList<>();
		for (int i = 0; i < FOLLOWERS; i++) {
			followers.add(web.get()
				.uri("/api/watch/{code}/events", code)
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
				})
				.subscribe((e) -> {
					if ("snapshot".equals(e.event())) {
						connected.incrementAndGet();
						allConnected.countDown();
					}
					else if (e.id() != null && !"snapshot".equals(e.event())
							&& sentAt.containsKey(Long.parseLong(e.id()))) {
						latencies.add(System.nanoTime() - sentAt.get(Long.parseLong(e.id())));
						allReceived.countDown();
					}
				}));
		}
		assertThat(allConnected.await(60, TimeUnit.SECONDS)).as("all %d followers connected", FOLLOWERS).isTrue();
		long heapConnected = usedHeapAfterGc();
		for (long step = 0; step < STEPS; step++) {
			sentAt.put(step, System.nanoTime());
			web.post()
				.uri("/api/sessions/{id}/control", id)
				.header("Authorization", "Bearer " + token)
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("action", "step"))
				.retrieve()
				.toBodilessEntity()
				.block(Duration.ofSeconds(10));
			Thread.sleep(100);
		}
		boolean all = allReceived.await(60, TimeUnit.SECONDS);
		followers.forEach(Disposable::dispose);
		pool.disposeLater().block(Duration.ofSeconds(10));
		List<Long> sorted = new ArrayList<>(latencies);
		Collections.sort(sorted);
		System.out.printf(
				"LOAD followers=%d connected=%d deliveries=%d p50=%.1f ms p99=%.1f ms max=%.1f ms "
						+ "heap before=%d MB with followers=%d MB%n",
				FOLLOWERS, connected.get(), sorted.size(), percentile(sorted, 0.50) / 1e6,
				percentile(sorted, 0.99) / 1e6, sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1) / 1e6,
				heapBefore >> 20, heapConnected >> 20);
		assertThat(connected.get()).isEqualTo(FOLLOWERS);
		assertThat(all).as("every follower received every step").isTrue();
		assertThat(sorted).hasSize(FOLLOWERS * STEPS);
	}

	private static double percentile(List<Long> sorted, double p) {
		if (sorted.isEmpty()) {
			return 0;
		}
		return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
	}

	private static long usedHeapAfterGc() throws InterruptedException {
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

}
