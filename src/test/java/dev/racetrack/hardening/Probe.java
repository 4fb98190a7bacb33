package dev.racetrack.hardening;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Another client, the one the attacks must not hurt: every 200 ms it asks for the Lab
 * page, the scenario catalogue and the liveness probe in turn, each within a second, on a
 * connection of its own, and keeps every latency (a failure counts as an infinite one).
 */
final class Probe implements AutoCloseable {

	static final Duration LIMIT = Duration.ofSeconds(1);

	private static final String[] PATHS = { "/", "/api/scenarios", "/actuator/health/liveness" };

	private final ServerProcess server;

	private final HttpClient client = HttpClient.newBuilder()
		.connectTimeout(LIMIT)
		.version(HttpClient.Version.HTTP_1_1)
		.build();

	private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());

	private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final Thread thread;

	private Probe(ServerProcess server) {
		this.server = server;
		this.thread = new Thread(this::loop, "probe");
		this.thread.setDaemon(true);
	}

	static Probe start(ServerProcess server) {
		Probe probe = new Probe(server);
		probe.warmUp();
		probe.thread.start();
		return probe;
	}

	/** A cold server renders its first page slowly: that is not what is measured. */
	private void warmUp() {
		for (int i = 0; i < 5 * PATHS.length; i++) {
			try {
				this.client.send(HttpRequest.newBuilder(this.server.uri(PATHS[i % PATHS.length]))
					.timeout(Duration.ofSeconds(30))
					.build(), HttpResponse.BodyHandlers.discarding());
			}
			catch (Exception ex) {
				// measured later
			}
		}
	}

	private void loop() {
		int i = 0;
		while (this.running.get()) {
			String path = PATHS[i++ % PATHS.length];
			long start = System.nanoTime();
			try {
				HttpResponse<Void> r = this.client.send(
						HttpRequest.newBuilder(this.server.uri(path)).timeout(LIMIT.plusMillis(500)).build(),
						HttpResponse.BodyHandlers.discarding());
				long nanos = System.nanoTime() - start;
				this.latencies.add(nanos);
				if (r.statusCode() != 200) {
					this.failures.add(path + " answered " + r.statusCode());
				}
				else if (nanos > LIMIT.toNanos()) {
					this.failures.add(path + " took " + nanos / 1_000_000 + " ms");
				}
			}
			catch (Exception ex) {
				this.latencies.add(Long.MAX_VALUE);
				this.failures.add(path + " failed after " + (System.nanoTime() - start) / 1_000_000 + " ms: " + ex);
			}
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	/** What went wrong so far (a slow or failed answer each). */
	List<String> failures() {
		synchronized (this.failures) {
			return List.copyOf(this.failures);
		}
	}

	int count() {
		return this.latencies.size();
	}

	/** The latency at quantile {@code q} (0 to 1), in milliseconds. */
	double quantileMillis(double q) {
		List<Long> sorted;
		synchronized (this.latencies) {
			sorted = new ArrayList<>(this.latencies);
		}
		if (sorted.isEmpty()) {
			return Double.NaN;
		}
		Collections.sort(sorted);
		long v = sorted.get(Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1)));
		return (v == Long.MAX_VALUE) ? Double.POSITIVE_INFINITY : v / 1e6;
	}

	String summary() {
		return String.format("probe: %d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d failures", count(),
				quantileMillis(0.5), quantileMillis(0.99), quantileMillis(1.0), failures().size());
	}

	@Override
	public void close() throws InterruptedException {
		this.running.set(false);
		this.thread.interrupt();
		this.thread.join(5000);
	}

}
