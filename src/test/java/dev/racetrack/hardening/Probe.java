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

	private final Thread ticker;

	/**
	 * The end (nanos) of the latest stall of this machine seen by the ticker, and its
	 * length.
	 */
	private volatile long lastStallEnd;

	private volatile long lastStallNanos;

	private final List<String> excused = Collections.synchronizedList(new ArrayList<>());

	private Probe(ServerProcess server) {
		this.server = server;
		this.thread = new Thread(this::loop, "probe");
		this.thread.setDaemon(true);
		this.ticker = new Thread(this::tick, "probe-ticker");
		this.ticker.setDaemon(true);
	}

	/**
	 * Sleeps 10 ms at a time and notes when this process was not scheduled for much
	 * longer: the machine itself stalled (other builds on its two cores), not the server.
	 */
	private void tick() {
		long last = System.nanoTime();
		while (this.running.get()) {
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				return;
			}
			long now = System.nanoTime();
			long late = now - last - 10_000_000L;
			if (late > MACHINE_STALL.toNanos()) {
				this.lastStallNanos = late;
				this.lastStallEnd = now;
			}
			last = now;
		}
	}

	/**
	 * A pause of this process this long means the machine, not the server, was stalled.
	 */
	static final Duration MACHINE_STALL = Duration.ofMillis(250);

	static Probe start(ServerProcess server) {
		Probe probe = new Probe(server);
		probe.warmUp();
		probe.ticker.start();
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
					slow(path + " took " + nanos / 1_000_000 + " ms", start);
				}
			}
			catch (InterruptedException ex) {
				// close() interrupted the request in flight: the probe ends; nothing
				// failed (a soak once counted "/api/scenarios failed after 2 ms:
				// InterruptedException" against the server).
				return;
			}
			catch (Exception ex) {
				this.latencies.add(Long.MAX_VALUE);
				if (ex instanceof java.net.http.HttpTimeoutException) {
					slow(path + " timed out after " + (System.nanoTime() - start) / 1_000_000 + " ms", start);
				}
				else {
					this.failures.add(path + " failed after " + (System.nanoTime() - start) / 1_000_000 + " ms: " + ex);
				}
			}
			try {
				Thread.sleep(200);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	/**
	 * A slow answer is the server's fault unless this process itself was stalled for
	 * {@link #MACHINE_STALL} or more while it waited: then it is noted as excused (the
	 * machine is shared, and such a stall holds every process on it), and reported.
	 */
	private void slow(String what, long start) {
		if (this.lastStallEnd > start) {
			this.excused.add(what + " (this machine stalled " + this.lastStallNanos / 1_000_000 + " ms meanwhile)");
		}
		else {
			this.failures.add(what);
		}
	}

	/** Slow answers while the machine itself stalled. */
	List<String> excused() {
		synchronized (this.excused) {
			return List.copyOf(this.excused);
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
		return String.format("probe: %d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d failures, %d excused %s",
				count(), quantileMillis(0.5), quantileMillis(0.99), quantileMillis(1.0), failures().size(),
				excused().size(), excused());
	}

	@Override
	public void close() throws InterruptedException {
		this.running.set(false);
		this.thread.interrupt();
		this.thread.join(5000);
		this.ticker.interrupt();
		this.ticker.join(5000);
	}

}
