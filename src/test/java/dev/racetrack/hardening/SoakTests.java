package dev.racetrack.hardening;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static dev.racetrack.hardening.AttackTests.control;
import static dev.racetrack.hardening.AttackTests.createSession;
import static dev.racetrack.hardening.AttackTests.field;
import static dev.racetrack.hardening.AttackTests.get;
import static dev.racetrack.hardening.AttackTests.http;
import static dev.racetrack.hardening.AttackTests.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mixed traffic against the application started as its own process with the container's
 * heap and flags: Lab sessions created, played, scrubbed and left; followers joining and
 * leaving a presenter's session; experiments; exports (tool text, pcap, event log,
 * offline replay); imports (matching, and malformed); diagnoses. The heap after a full
 * collection is read at regular times; the test passes when the process still runs, no
 * answer was a 5xx, every probe answer came within a second, and the heap at the end is
 * within 48 MB of the first reading.
 *
 * <p>
 * {@code -Dracetrack.soak.minutes=10} for the full soak; 0.5 by default (in
 * {@code ./mvnw verify}).
 */
@Tag("attack")
class SoakTests {

	static final double MINUTES = Double.parseDouble(System.getProperty("racetrack.soak.minutes", "0.5"));

	final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();

	final List<String> serverErrors = Collections.synchronizedList(new ArrayList<>());

	final AtomicLong followersAnswered = new AtomicLong();

	@Test
	void mixedTrafficKeepsAFlatHeapAndAnswersEveryOtherClientInTime() throws Exception {
		long millis = (long) (MINUTES * 60_000);
		long sampleEvery = Math.max(10_000, millis / 10);
		try (ServerProcess server = ServerProcess.start()) {
			Map<String, String> presenter = createSession(server, "{\"scenario\":\"dnat-race-2\",\"kernel\":\"4.17\"}");
			// A full collection stops the world for a moment: the first and last readings
			// are taken with nobody else asking; in between, the heap after each
			// collection
			// is read from the GC log.
			long first = server.heapUsedAfterGc();
			List<Long> perInterval = new ArrayList<>();
			Probe probe = Probe.start(server);
			long deadline = System.currentTimeMillis() + millis;
			ExecutorService pool = Executors.newFixedThreadPool(6);
			List<Future<?>> workers = new ArrayList<>();
			workers.add(pool.submit(() -> lab(server, deadline)));
			workers.add(pool.submit(() -> followers(server, presenter, deadline)));
			workers.add(pool.submit(() -> experiments(server, deadline)));
			workers.add(pool.submit(() -> exports(server, deadline)));
			workers.add(pool.submit(() -> imports(server, deadline)));
			workers.add(pool.submit(() -> diagnoses(server, deadline)));
			for (Future<?> w : workers) {
				w.get(millis + 300_000, TimeUnit.MILLISECONDS);
			}
			pool.shutdownNow();
			probe.close();
			Thread.sleep(2000);
			long end = server.heapUsedAfterGc();
			List<long[]> gcs = server.heapAfterEachGc();
			long t0 = gcs.isEmpty() ? 0 : gcs.get(0)[0];
			List<String> heap = new ArrayList<>();
			heap.add("start (full GC): " + (first >> 20) + " MB");
			for (long from = 0; from < millis; from += sampleEvery) {
				long min = Long.MAX_VALUE;
				long max = 0;
				for (long[] gc : gcs) {
					long at = gc[0] - t0;
					if (at >= from && at < from + sampleEvery) {
						min = Math.min(min, gc[1]);
						max = Math.max(max, gc[1]);
					}
				}
				if (max > 0) {
					perInterval.add(min);
					heap.add(String.format("%.1f-%.1f min: %d-%d MB", from / 60_000.0, (from + sampleEvery) / 60_000.0,
							min >> 20, max >> 20));
				}
			}
			heap.add("end (full GC): " + (end >> 20) + " MB");
			System.out.println("SOAK " + MINUTES + " min, heap after collections: " + heap);
			System.out.println("SOAK statuses: " + new java.util.TreeMap<>(this.statuses) + ", followers answered "
					+ this.followersAnswered);
			System.out.println("SOAK " + probe.summary()
					+ String.format(", longest GC pause %.0f ms", server.longestGcPauseMillis()));
			assertThat(server.alive()).as("the server still runs").isTrue();
			assertThat(this.serverErrors).as("5xx answers").isEmpty();
			assertThat(probe.failures()).as("probe answers slower than a second, or failed").isEmpty();
			assertThat(end).as("heap after a full collection at the end: below the admission threshold")
				.isLessThan(ServerProcess.heapBytes() * 60 / 100);
			if (perInterval.size() >= 6) {
				int third = perInterval.size() / 3;
				long middle = Collections.max(perInterval.subList(third, 2 * third));
				long last = Collections.max(perInterval.subList(2 * third, perInterval.size()));
				assertThat((last - middle) >> 20)
					.as("growth of the lowest heap after a collection, last third "
							+ "over middle third, MB (flat once the caches are warm)")
					.isLessThan(32);
			}
		}
	}

	private void count(String what, int status) {
		this.statuses.computeIfAbsent(what + " " + status, (k) -> new AtomicLong()).incrementAndGet();
		if (status >= 500) {
			this.serverErrors.add(what + " " + status);
		}
	}

	private int send(String what, HttpRequest request) {
		try {
			HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
			count(what, r.statusCode());
			return r.statusCode();
		}
		catch (Exception ex) {
			count(what, -1);
			return -1;
		}
	}

	private Void lab(ServerProcess server, long deadline) throws Exception {
		Random random = new Random(1);
		String[] scenarios = { "snat-port-race", "dnat-race-1", "dnat-race-3", "tcp-free-play", "dns-free-play" };
		try (Raw.Streams streams = new Raw.Streams("snapshot")) {
			while (System.currentTimeMillis() < deadline) {
				String scenario = scenarios[random.nextInt(scenarios.length)];
				HttpResponse<String> created = http.send(
						post(server, "/api/sessions", "{\"scenario\":\"" + scenario + "\",\"seed\":"
								+ (1 + random.nextInt(20)) + ",\"pods\":" + (2 + random.nextInt(30)) + "}"),
						HttpResponse.BodyHandlers.ofString());
				count("lab create", created.statusCode());
				if (created.statusCode() != 201) {
					Thread.sleep(500);
					continue;
				}
				Map<String, String> s = Map.of("id", field(created.body(), "id"), "token",
						field(created.body(), "token"));
				SocketChannel stream = streams.open(server, "127.0.0.1", "/api/sessions/" + s.get("id") + "/events");
				control(server, s, "{\"action\":\"speed\",\"value\":64}");
				control(server, s, "{\"action\":\"play\"}");
				Thread.sleep(1000);
				long total = Long.parseLong(created.body().replaceAll(".*\"total\":(\\d+).*", "$1"));
				for (int k = 0; k < 5; k++) {
					control(server, s,
							"{\"action\":\"seek\",\"value\":" + random.nextInt((int) Math.max(1, total)) + "}");
					Thread.sleep(200);
				}
				send("lab view", get(server, "/api/sessions/" + s.get("id")));
				streams.close(stream);
				Thread.sleep(300);
			}
		}
		return null;
	}

	private Void followers(ServerProcess server, Map<String, String> presenter, long deadline) throws Exception {
		Random random = new Random(2);
		String path = "/api/watch/" + presenter.get("code") + "/events";
		control(server, presenter, "{\"action\":\"play\"}");
		try (Raw.Streams hall = new Raw.Streams("snapshot")) {
			List<SocketChannel> open = new ArrayList<>();
			int n = 0;
			while (System.currentTimeMillis() < deadline) {
				for (int i = 0; i < 20; i++) {
					open.add(hall.open(server, Raw.client(n++ % 500), path));
				}
				while (open.size() > 200) {
					hall.close(open.remove(random.nextInt(open.size())));
				}
				if (n % 200 == 0) {
					control(server, presenter, "{\"action\":\"" + (random.nextBoolean() ? "play" : "back") + "\"}");
				}
				Thread.sleep(500);
			}
			this.followersAnswered.set(hall.ok());
		}
		return null;
	}

	private Void experiments(ServerProcess server, long deadline) throws Exception {
		Random random = new Random(3);
		while (System.currentTimeMillis() < deadline) {
			send("experiment", get(server, "/api/experiments?kernel=4.17,6.x&pods=" + (4 + random.nextInt(28))
					+ "&trials=" + (20 + random.nextInt(80)) + "&seed=" + random.nextInt(1000)));
			Thread.sleep(1000);
		}
		return null;
	}

	private Void exports(ServerProcess server, long deadline) throws Exception {
		Random random = new Random(4);
		String[] paths = { "/api/export/conntrack?format=list", "/api/export/conntrack?format=stats",
				"/api/export/iptables?table=nat", "/api/export/pcap?iface=cni0", "/api/export/events",
				"/api/export/replay", "/api/simulate?", "/api/simulate?events=false&" };
		while (System.currentTimeMillis() < deadline) {
			String path = paths[random.nextInt(paths.length)];
			String query = "scenario=" + (random.nextBoolean() ? "dnat-race-3" : "tcp-free-play") + "&seed="
					+ (1 + random.nextInt(30)) + "&pods=" + (2 + random.nextInt(60));
			String separator = !path.contains("?") ? "?" : (path.endsWith("?") || path.endsWith("&")) ? "" : "&";
			send("export " + path.replaceAll("\\?.*", ""), get(server, path + separator + query));
			Thread.sleep(300);
		}
		return null;
	}

	private Void imports(ServerProcess server, long deadline) throws Exception {
		Random random = new Random(5);
		while (System.currentTimeMillis() < deadline) {
			HttpResponse<String> log = http.send(
					get(server, "/api/export/events?scenario=dnat-race-1&seed=" + (1 + random.nextInt(10))),
					HttpResponse.BodyHandlers.ofString());
			count("import source", log.statusCode());
			if (log.statusCode() == 200) {
				send("import", post(server, "/api/export/events", log.body()));
			}
			send("import malformed", post(server, "/api/export/events", "{\"params\":{},\"events\":[{},{},{}]}"));
			Thread.sleep(700);
		}
		return null;
	}

	private Void diagnoses(ServerProcess server, long deadline) throws Exception {
		String paste = "$ conntrack -S\\ncpu=0 found=4601 invalid=2157 ignore=0 insert=0 insert_failed=74 drop=74 "
				+ "early_drop=0 error=0 search_restart=100\\n$ uname -r\\n4.15.0-1044-aws\\n";
		while (System.currentTimeMillis() < deadline) {
			send("diagnose", post(server, "/api/diagnose", "{\"paste\":\"" + paste + "\"}"));
			send("diagnose page", get(server, "/diagnose"));
			Thread.sleep(500);
		}
		return null;
	}

}
