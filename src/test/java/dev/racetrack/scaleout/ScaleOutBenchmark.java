package dev.racetrack.scaleout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.ChannelOption;
import reactor.core.Disposable;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The scale-out load benchmark (a documented command, not a test; README, "Scale-out
 * through Redis"): a real {@code redis-server} and {@code --instances} Racetrack
 * instances as processes on loopback, {@code --followers} followers of one session on
 * each, and a presenter stepping every {@code --interval-ms} through the instances in
 * turn for {@code --minutes}. It checks that every follower receives every step, in
 * order, and reports the delivery latency from the control request (p50, p99, max; per
 * minute and overall) and the heap of each instance after a full collection, each minute.
 *
 * <pre>
 * ./mvnw -B -Pbenchmark -DskipFrontend -DskipTests test-compile exec:exec@scaleout \
 *     -Dscaleout.args="--instances 3 --followers 1000 --minutes 10"
 * </pre>
 */
public final class ScaleOutBenchmark {

	private final int instancesCount;

	private final int followersPerInstance;

	private final double minutes;

	private final long intervalMillis;

	private final String heap;

	private final long warmupSeconds;

	/** When each step's control request was sent (nanoTime), by step. */
	private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();

	/** Latencies of the current minute, in microseconds. */
	private final List<long[]> minuteLatencies = new ArrayList<>();

	private long[] latencies = new long[1 << 20];

	private int latencyCount;

	private long[] all = new long[1 << 22];

	private int allCount;

	private final AtomicLong delivered = new AtomicLong();

	private final AtomicLong outOfOrder = new AtomicLong();

	private final AtomicLong lateSnapshots = new AtomicLong();

	private final AtomicInteger connected = new AtomicInteger();

	private final AtomicInteger ended = new AtomicInteger();

	private final Map<Integer, Integer> refused = new ConcurrentHashMap<>();

	private final Map<String, Integer> errors = new ConcurrentHashMap<>();

	/** Followers that try again after a refusal. */
	private final List<Disposable> retries = new java.util.concurrent.CopyOnWriteArrayList<>();

	private ScaleOutBenchmark(Map<String, String> args) {
		this.instancesCount = Integer.parseInt(args.getOrDefault("instances", "3"));
		this.followersPerInstance = Integer.parseInt(args.getOrDefault("followers", "1000"));
		this.minutes = Double.parseDouble(args.getOrDefault("minutes", "1"));
		this.intervalMillis = Long.parseLong(args.getOrDefault("interval-ms", "250"));
		this.heap = args.getOrDefault("heap", "512m");
		this.warmupSeconds = Long.parseLong(args.getOrDefault("warmup-s", "30"));
	}

	public static void main(String[] argv) throws Exception {
		Map<String, String> args = new java.util.HashMap<>();
		for (int i = 0; i + 1 < argv.length; i += 2) {
			args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
		}
		new ScaleOutBenchmark(args).run();
		System.exit(0);
	}

	private void run() throws Exception {
		RedisServer redis = new RedisServer();
		redis.start();
		List<AppInstance> instances = List.of();
		List<Disposable> followers = new ArrayList<>();
		StringBuilder report = new StringBuilder();
		try {
			instances = AppInstance.start(this.instancesCount, List.of("-Xmx" + this.heap, "-XX:+UseG1GC"),
					List.of("--spring.data.redis.url=" + redis.url(), "--racetrack.prometheus-public=true",
							"--racetrack.max-streams-per-client=" + (this.followersPerInstance + 100),
							"--racetrack.max-followers-per-session=" + (this.followersPerInstance + 100)));
			line(report, "machine: %d cores, %s; Java %s; redis-server %s", Runtime.getRuntime().availableProcessors(),
					System.getProperty("os.name") + " " + System.getProperty("os.version"),
					System.getProperty("java.version"),
					redis.client()
						.info("server")
						.lines()
						.filter((l) -> l.startsWith("redis_version:"))
						.findFirst()
						.orElse("?"));
			line(report,
					"instances: %d (-Xmx%s, G1), followers: %d per instance (%d in all), one step every %d ms "
							+ "through the instances in turn, for %.1f min",
					this.instancesCount, this.heap, this.followersPerInstance,
					this.followersPerInstance * this.instancesCount, this.intervalMillis, this.minutes);
			WebClient api = WebClient.create(instances.get(0).base());
			Map<?, ?> session = api.post()
				.uri("/api/sessions")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("scenario", "tcp-free-play", "pods", "8", "rounds", "6"))
				.retrieve()
				.bodyToMono(Map.class)
				.block(Duration.ofSeconds(60));
			String id = (String) session.get("id");
			String code = (String) session.get("code");
			String token = (String) session.get("token");
			long total = ((Number) session.get("total")).longValue();
			line(report, "session: tcp-free-play, 8 pods x 6 rounds, %d steps (played from the start again at the end)",
					total);

			LoopResources loops = LoopResources.create("bench", 2, true);
			ConnectionProvider pool = ConnectionProvider.builder("bench")
				.maxConnections(this.followersPerInstance * 2 + 64)
				.pendingAcquireMaxCount(-1)
				.build();
			HttpClient http = HttpClient.create(pool)
				.runOn(loops)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
				.responseTimeout(Duration.ofMinutes(30));
			// A hall joins over some seconds, not at once: 50 followers every 100 ms,
			// the instances in turn.
			for (int i = 0; i < this.followersPerInstance; i++) {
				for (AppInstance instance : instances) {
					followers.add(follow(http, instance, code));
				}
				if (i % 17 == 16) {
					Thread.sleep(100);
				}
			}
			long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
			int expected = this.followersPerInstance * this.instancesCount;
			while (this.connected.get() < expected && System.nanoTime() < deadline) {
				Thread.sleep(100);
			}
			line(report,
					"followers connected: %d of %d (refusals, each followed by a retry a second later: %s; errors: %s)",
					this.connected.get(), expected, this.refused, this.errors);

			List<WebClient> controls = new ArrayList<>();
			for (AppInstance instance : instances) {
				controls.add(WebClient.builder()
					.baseUrl(instance.base())
					.clientConnector(new ReactorClientHttpConnector(HttpClient.create()))
					.build());
			}
			// Warm-up (the JIT compiles the hot paths): steps like the measured ones, not
			// counted.
			long warmupEnd = System.nanoTime() + this.warmupSeconds * 1_000_000_000L;
			long warmCursor = -1;
			for (int w = 0; System.nanoTime() < warmupEnd; w++) {
				Thread.sleep(this.intervalMillis);
				warmCursor = ((Number) post(controls.get(w % controls.size()), id, token, Map.of("action", "step"))
					.get("step")).longValue();
			}
			post(controls.get(0), id, token, Map.of("action", "seek", "value", -1));
			Thread.sleep(1000);
			synchronized (this) {
				this.latencyCount = 0;
				this.allCount = 0;
			}
			this.delivered.set(0);
			this.outOfOrder.set(0);
			this.lateSnapshots.set(0);
			line(report, "warm-up: %d s (%d steps, not counted)", this.warmupSeconds, warmCursor + 1);
			line(report, "heap after a full GC at start (MB): %s", heaps(instances));
			Thread.sleep(1000);
			long start = System.nanoTime();
			long end = start + (long) (this.minutes * 60e9);
			long cursor = -1;
			int n = 0;
			long nextMinute = start + 60_000_000_000L;
			int minute = 1;
			long controlsSent = 0;
			while (System.nanoTime() < end) {
				long tickAt = start + n * this.intervalMillis * 1_000_000L;
				long wait = tickAt - System.nanoTime();
				if (wait > 0) {
					Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
				}
				WebClient control = controls.get(n % controls.size());
				n++;
				if (cursor >= total - 1) {
					post(control, id, token, Map.of("action", "seek", "value", -1));
					cursor = -1;
					continue;
				}
				this.sentAt.put(cursor + 1, System.nanoTime());
				Map<?, ?> state = post(control, id, token, Map.of("action", "step"));
				controlsSent++;
				cursor = ((Number) state.get("step")).longValue();
				if (System.nanoTime() >= nextMinute) {
					nextMinute += 60_000_000_000L;
					line(report, "minute %d: %s; heap (MB): %s", minute++, minuteFigures(), heaps(instances));
				}
			}
			Thread.sleep(2000);
			line(report, "last minute: %s", minuteFigures());
			line(report, "heap after a full GC at the end (MB): %s", heaps(instances));
			long deliveries = this.delivered.get();
			line(report,
					"steps sent: %d; deliveries: %d of %d expected (%d followers x %d steps); out of order: %d; "
							+ "snapshots instead of steps (a lagging follower): %d; streams that ended early: %d",
					controlsSent, deliveries, controlsSent * expected, expected, controlsSent, this.outOfOrder.get(),
					this.lateSnapshots.get(), this.ended.get());
			line(report, "refused: %s, errors: %s", this.refused, this.errors);
			long[] sorted;
			synchronized (this) {
				sorted = Arrays.copyOf(this.all, this.allCount);
			}
			Arrays.sort(sorted);
			line(report, "delivery latency from the control request, overall: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
					percentile(sorted, 0.50) / 1000.0, percentile(sorted, 0.99) / 1000.0,
					(sorted.length == 0) ? 0 : sorted[sorted.length - 1] / 1000.0);
			for (AppInstance instance : instances) {
				line(report, "%s: %s", instance.name(), metrics(instance));
			}
			pool.dispose();
			loops.dispose();
		}
		finally {
			followers.forEach(Disposable::dispose);
			this.retries.forEach(Disposable::dispose);
			for (AppInstance i : instances) {
				i.close();
			}
			redis.stop();
			Path out = Path.of("target", "scaleout",
					"benchmark-" + Instant.now().toString().replace(':', '-') + ".txt");
			Files.createDirectories(out.getParent());
			Files.writeString(out, report.toString(), StandardCharsets.UTF_8);
			System.out.println("report: " + out);
		}
	}

	/** One follower: parses the stream's lines, checks the order, records latencies. */
	private Disposable follow(HttpClient http, AppInstance instance, String code) {
		return follow(http, instance, code, 0);
	}

	private Disposable follow(HttpClient http, AppInstance instance, String code, int attempt) {
		long[] expect = { Long.MIN_VALUE };
		StringBuilder pending = new StringBuilder();
		String[] event = { null };
		long[] id = { Long.MIN_VALUE };
		return http.headers((h) -> h.set("Accept", "text/event-stream"))
			.get()
			.uri(instance.base() + "/api/watch/" + code + "/events")
			.response((response, body) -> {
				if (response.status().code() != 200) {
					// Refused (the instance is busy): try again a second later, as a
					// browser's page would, up to five times.
					boolean first = this.refused.merge(response.status().code(), 1, Integer::sum) == 1;
					if (attempt < 5) {
						this.retries.add(reactor.core.publisher.Mono.delay(Duration.ofSeconds(1))
							.subscribe((t) -> this.retries.add(follow(http, instance, code, attempt + 1))));
					}
					return body.asString(StandardCharsets.UTF_8).doOnNext((text) -> {
						if (first) {
							System.out.println("first refusal (" + response.status().code() + "): " + text);
						}
					}).then(reactor.core.publisher.Mono.<String>empty());
				}
				return body.asString(StandardCharsets.UTF_8);
			})
			.doFinally((s) -> {
				if (expect[0] != Long.MIN_VALUE) {
					this.ended.incrementAndGet();
				}
			})
			.subscribe((chunk) -> {
				long now = System.nanoTime();
				pending.append(chunk);
				int nl;
				while ((nl = pending.indexOf("\n")) >= 0) {
					String line = pending.substring(0, nl);
					pending.delete(0, nl + 1);
					if (line.startsWith("event:")) {
						event[0] = line.substring(6).trim();
					}
					else if (line.startsWith("id:")) {
						id[0] = Long.parseLong(line.substring(3).trim());
					}
					else if (line.isEmpty()) {
						if (id[0] != Long.MIN_VALUE) {
							onEvent(event[0], id[0], now, expect);
						}
						event[0] = null;
						id[0] = Long.MIN_VALUE;
					}
				}
			}, (error) -> this.errors.merge(error.getClass().getSimpleName(), 1, Integer::sum));
	}

	private void onEvent(String name, long step, long now, long[] expect) {
		if ("snapshot".equals(name)) {
			if (expect[0] == Long.MIN_VALUE) {
				this.connected.incrementAndGet();
			}
			else if (step != -1) {
				this.lateSnapshots.incrementAndGet();
			}
			expect[0] = step + 1;
			return;
		}
		if (name == null) {
			return;
		}
		if (step != expect[0]) {
			this.outOfOrder.incrementAndGet();
		}
		expect[0] = step + 1;
		this.delivered.incrementAndGet();
		Long sent = this.sentAt.get(step);
		if (sent != null) {
			record((now - sent) / 1000);
		}
	}

	private synchronized void record(long micros) {
		if (this.latencyCount == this.latencies.length) {
			this.latencies = Arrays.copyOf(this.latencies, this.latencies.length * 2);
		}
		this.latencies[this.latencyCount++] = micros;
		if (this.allCount == this.all.length) {
			this.all = Arrays.copyOf(this.all, this.all.length * 2);
		}
		this.all[this.allCount++] = micros;
	}

	private synchronized String minuteFigures() {
		long[] m = Arrays.copyOf(this.latencies, this.latencyCount);
		this.latencyCount = 0;
		Arrays.sort(m);
		return String.format("%d deliveries, p50 %.1f ms, p99 %.1f ms, max %.1f ms", m.length,
				percentile(m, 0.5) / 1000.0, percentile(m, 0.99) / 1000.0,
				(m.length == 0) ? 0 : m[m.length - 1] / 1000.0);
	}

	private static Map<?, ?> post(WebClient control, String id, String token, Map<String, Object> body) {
		return control.post()
			.uri("/api/sessions/{id}/control", id)
			.header("Authorization", "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.retrieve()
			.bodyToMono(Map.class)
			.block(Duration.ofSeconds(10));
	}

	private static String heaps(List<AppInstance> instances) throws Exception {
		StringBuilder sb = new StringBuilder();
		for (AppInstance i : instances) {
			if (!sb.isEmpty()) {
				sb.append(", ");
			}
			sb.append(i.name()).append(' ').append(i.heapUsedAfterGc() >> 20);
		}
		return sb.toString();
	}

	/** The instance's own figures: followers it serves, channel lag, events sent. */
	private static String metrics(AppInstance instance) throws IOException {
		String text = WebClient.create(instance.base())
			.get()
			.uri("/actuator/prometheus")
			.retrieve()
			.bodyToMono(String.class)
			.block(Duration.ofSeconds(10));
		StringBuilder sb = new StringBuilder();
		for (String l : text.split("\n")) {
			if (l.startsWith("racetrack_followers ") || l.startsWith("racetrack_channel_lag_seconds{quantile")
					|| l.startsWith("racetrack_channel_lag_seconds_max")
					|| l.startsWith("racetrack_channel_lag_seconds_count")
					|| l.startsWith("racetrack_channel_resyncs_total")) {
				if (!sb.isEmpty()) {
					sb.append("; ");
				}
				sb.append(l.trim());
			}
		}
		return sb.toString();
	}

	private static long percentile(long[] sorted, double p) {
		if (sorted.length == 0) {
			return 0;
		}
		return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
	}

	private static void line(StringBuilder report, String format, Object... args) {
		String l = String.format(format, args);
		System.out.println(l);
		report.append(l).append('\n');
	}

}
