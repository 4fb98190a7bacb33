package dev.racetrack.web.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.reactive.function.client.WebClient;

import dev.racetrack.scaleout.AppInstance;
import dev.racetrack.scaleout.Follower;
import dev.racetrack.scaleout.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out with real parts: a real {@code redis-server} on a free loopback port and two
 * Racetrack instances, each its own process on its own port, sharing nothing but Redis. A
 * session made on one instance is followed and controlled through the other; an instance
 * killed with {@code SIGKILL} loses nothing of the session (its followers reconnect to
 * the other one and resume at the presenter's step, a playing session goes on playing); a
 * Redis that goes away gives 503s and a readiness probe that names it, and the instances
 * recover by themselves when it is back; followers that never read do not hold up the
 * others. The tests run in order on the same instances (the kill comes last but one, the
 * outage last).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	static final Duration WAIT = Duration.ofSeconds(20);

	static List<AppInstance> instances;

	static AppInstance a;

	static AppInstance b;

	@BeforeAll
	static void start() throws Exception {
		instances = AppInstance.start(2, List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k"),
				List.of("--spring.data.redis.url=" + redis.url(), "--racetrack.audience-interval=100ms",
						"--racetrack.sse-buffer-events=64", "--racetrack.prometheus-public=true"));
		a = instances.get(0);
		b = instances.get(1);
	}

	@AfterAll
	static void stop() throws Exception {
		if (instances != null) {
			for (AppInstance i : instances) {
				i.close();
			}
		}
	}

	@Test
	@Order(1)
	void aSessionMadeOnOneInstanceIsFollowedAndControlledThroughTheOther() throws Exception {
		Map<?, ?> session = create(a, Map.of("scenario", "snat-port-race"));
		String id = (String) session.get("id");
		String code = (String) session.get("code");
		String token = (String) session.get("token");
		assertThat(get(b, "/api/watch/" + code).get("code")).isEqualTo(code);
		assertThat(get(b, "/api/watch/" + code.toLowerCase()).get("total")).isEqualTo(session.get("total"));

		// The presenter first, as in a talk; then a follower on each instance.
		try (Follower presenter = open(a, "/api/sessions/" + id + "/events");
				Follower onA = open(a, "/api/watch/" + code + "/events");
				Follower onB = open(b, "/api/watch/" + code + "/events")) {
			// The presenter's stream (on A) counts the follower on B.
			assertThat(
					presenter.await((e) -> "audience".equals(e.name()) && e.data().contains("\"followers\":2"), WAIT))
				.as("the presenter sees both followers, one on each instance: %s", presenter.events())
				.isNotNull();
			// Controls alternate between the instances.
			for (int i = 0; i < 6; i++) {
				Map<?, ?> state = control((i % 2 == 0) ? b : a, id, token, "step", null);
				assertThat(((Number) state.get("step")).longValue()).isEqualTo(i);
			}
			for (Follower f : List.of(presenter, onA, onB)) {
				assertThat(f.awaitStep(5, WAIT)).isNotNull();
				assertThat(f.steps()).as("every step, once, in order").containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
			}
			// Each instance counts the followers it serves, and how late the channel is.
			for (AppInstance i : List.of(a, b)) {
				String metrics = WebClient.create(i.base())
					.get()
					.uri("/actuator/prometheus")
					.retrieve()
					.bodyToMono(String.class)
					.block(WAIT);
				assertThat(metrics).as(i.name()).containsPattern("(?m)^racetrack_followers 1\\.0$");
				java.util.regex.Matcher lag = java.util.regex.Pattern
					.compile("(?m)^racetrack_channel_lag_seconds_count (\\d+)")
					.matcher(metrics);
				assertThat(lag.find()).as("the channel lag of %s", i.name()).isTrue();
				assertThat(Long.parseLong(lag.group(1))).as("changes received by %s", i.name())
					.isGreaterThanOrEqualTo(6);
			}
			// A seek through B is a snapshot on A's streams.
			control(b, id, token, "seek", 2);
			assertThat(onA.await((e) -> "snapshot".equals(e.name()) && "2".equals(e.id()), WAIT)).isNotNull();
			// A wrong token is refused on either instance.
			assertThat(controlStatus(b, id, "not-the-token", "step")).isEqualTo(HttpStatus.FORBIDDEN);
		}

		// What Redis keeps: the state, a hash of the token (not the token), a TTL.
		Map<String, String> hash = redis.client().hgetall("racetrack:session:" + id);
		assertThat(hash).containsEntry("code", code)
			.containsEntry("cursor", "2")
			.containsEntry("token", LabSession.hash(token))
			.containsKeys("params", "playing", "speed", "v");
		assertThat(hash.values()).doesNotContain(token);
		assertThat(hash.get("params")).contains("scenario=snat-port-race").contains("seed=");
		long ttl = redis.client().pttl("racetrack:session:" + id);
		assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
		assertThat(redis.client().get("racetrack:code:" + code)).isEqualTo(id);
	}

	@Test
	@Order(2)
	void joinCodesAreUniqueAcrossInstances() {
		Set<String> codes = new HashSet<>();
		List<String> ids = new ArrayList<>();
		for (int i = 0; i < 30; i++) {
			Map<?, ?> s = create((i % 2 == 0) ? a : b, Map.of("scenario", "dnat-race-1"));
			codes.add((String) s.get("code"));
			ids.add((String) s.get("id"));
		}
		assertThat(codes).hasSize(30);
		for (String c : codes) {
			// Each code names one session, whichever instance made it.
			assertThat(ids).contains(redis.client().get("racetrack:code:" + c));
		}
	}

	@Test
	@Order(3)
	void followersThatNeverReadDoNotHoldUpTheOthers() throws Exception {
		Map<?, ?> session = create(a, Map.of("scenario", "tcp-free-play", "pods", "8", "rounds", "4"));
		String id = (String) session.get("id");
		String code = (String) session.get("code");
		String token = (String) session.get("token");
		long total = ((Number) session.get("total")).longValue();
		List<java.net.Socket> stalled = new ArrayList<>();
		for (int i = 0; i < 8; i++) {
			java.net.Socket socket = new java.net.Socket("127.0.0.1", a.port());
			socket.setReceiveBufferSize(4096);
			socket.getOutputStream()
				.write(("GET /api/watch/" + code + "/events HTTP/1.1\r\nHost: localhost\r\n"
						+ "Accept: text/event-stream\r\n\r\n")
					.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
			stalled.add(socket);
		}
		try (Follower onA = Follower.open(a.base(), "/api/watch/" + code + "/events");
				Follower onB = Follower.open(b.base(), "/api/watch/" + code + "/events")) {
			assertThat(onA.await((e) -> "snapshot".equals(e.name()), WAIT)).isNotNull();
			assertThat(onB.await((e) -> "snapshot".equals(e.name()), WAIT)).isNotNull();
			// Large snapshots fill the stalled followers' buffers...
			for (int i = 0; i < 40; i++) {
				control((i % 2 == 0) ? a : b, id, token, "seek", (i % 2 == 0) ? total - 1 : total / 2);
			}
			control(a, id, token, "seek", -1);
			// ...and then every step still reaches every reading follower, in order.
			for (int i = 0; i < 20; i++) {
				control((i % 2 == 0) ? b : a, id, token, "step", null);
			}
			for (Follower f : List.of(onA, onB)) {
				assertThat(f.await((e) -> "19".equals(e.id()) && !"snapshot".equals(e.name()), WAIT))
					.as("step 19 reached a reading follower")
					.isNotNull();
				List<Long> steps = f.steps();
				assertThat(steps.subList(steps.size() - 20, steps.size())).isSortedAccordingTo(Long::compare)
					.doesNotHaveDuplicates()
					.hasSize(20);
			}
		}
		finally {
			for (java.net.Socket s : stalled) {
				s.close();
			}
		}
	}

	@Test
	@Order(4)
	void anInstanceKilledLosesNothingOfTheSession() throws Exception {
		Map<?, ?> session = create(a, Map.of("scenario", "tcp-free-play", "pods", "4", "rounds", "4"));
		String id = (String) session.get("id");
		String code = (String) session.get("code");
		String token = (String) session.get("token");
		List<Follower> onA = new ArrayList<>();
		List<Follower> onB = new ArrayList<>();
		try {
			for (int i = 0; i < 3; i++) {
				onA.add(Follower.open(a.base(), "/api/watch/" + code + "/events"));
				onB.add(Follower.open(b.base(), "/api/watch/" + code + "/events"));
			}
			for (int i = 0; i < 4; i++) {
				control(a, id, token, "step", null);
			}
			control(a, id, token, "speed", 16);
			// Played from A: A holds the ticker.
			control(a, id, token, "play", null);
			for (Follower f : onB) {
				assertThat(f.awaitStep(8, WAIT)).isNotNull();
			}
			String ticker = redis.client().get("racetrack:ticker:" + id);
			assertThat(ticker).as("an instance plays the session").isNotNull();

			a.kill();
			for (Follower f : onA) {
				assertThat(awaitEnded(f)).as("the killed instance's streams broke").isTrue();
			}
			long lastSeenOnA = onA.stream().mapToLong(Follower::lastStep).max().orElseThrow();

			// They reconnect (as a browser's EventSource does, through the balancer) to
			// B.
			List<Follower> reconnected = new ArrayList<>();
			for (int i = 0; i < onA.size(); i++) {
				reconnected.add(Follower.open(b.base(), "/api/watch/" + code + "/events"));
			}
			for (Follower f : reconnected) {
				Follower.Event snap = f.await((e) -> "snapshot".equals(e.name()), WAIT);
				assertThat(snap).as("a reconnected follower gets a snapshot").isNotNull();
				assertThat(Long.parseLong(snap.id())).as("at the presenter's step, not before what it had seen")
					.isGreaterThanOrEqualTo(lastSeenOnA);
			}
			// The session goes on playing: B took over the ticker.
			long resumedAt = reconnected.get(0).lastStep();
			for (Follower f : reconnected) {
				assertThat(f.awaitStep(resumedAt + 5, WAIT)).as("steps go on after the kill").isNotNull();
			}
			assertThat(redis.client().get("racetrack:ticker:" + id)).isNotNull();

			// The presenter controls it through B with the same token; everyone ends at
			// the presenter's step.
			Map<?, ?> paused = control(b, id, token, "pause", null);
			long at = ((Number) control(b, id, token, "step", null).get("step")).longValue();
			assertThat(paused.get("playing")).isEqualTo(false);
			List<Follower> everyone = new ArrayList<>(onB);
			everyone.addAll(reconnected);
			for (Follower f : everyone) {
				assertThat(f.awaitStep(at, WAIT)).isNotNull();
				List<Long> steps = f.steps();
				assertThat(steps).as("in order, no step twice")
					.isSortedAccordingTo(Long::compare)
					.doesNotHaveDuplicates();
				assertThat(f.lastStep()).isEqualTo(at);
			}
			// The dead instance's followers leave the audience: 3 on B + 3 reconnected.
			try (Follower presenter = Follower.open(b.base(), "/api/sessions/" + id + "/events")) {
				assertThat(presenter.await((e) -> "audience".equals(e.name()) && e.data().contains("\"followers\":6,"),
						Duration.ofSeconds(40)))
					.as("the audience is the six live followers")
					.isNotNull();
			}
			for (Follower f : reconnected) {
				f.close();
			}
		}
		finally {
			onA.forEach(Follower::close);
			onB.forEach(Follower::close);
		}
	}

	@Test
	@Order(5)
	void withRedisGoneNewSessionsGet503AndReadinessSaysWhyThenItRecovers() throws Exception {
		Map<?, ?> before = create(b, Map.of("scenario", "dnat-race-2"));
		redis.kill();
		ResponseEntity<String> refused = WebClient.create(b.base())
			.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race"))
			.exchangeToMono((r) -> r.toEntity(String.class))
			.block(WAIT);
		assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(refused.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
		assertThat(refused.getBody()).contains("\"limit\":\"redis\"").contains("Redis");
		ResponseEntity<String> ready = readiness(b);
		assertThat(ready.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(ready.getBody()).contains("\"redis\":{\"status\":\"DOWN\"");
		// The Lab itself does not need Redis.
		assertThat(WebClient.create(b.base())
			.get()
			.uri("/api/simulate?scenario=snat-port-race&events=false")
			.exchangeToMono((r) -> Mono.just(r.statusCode()))
			.block(WAIT)).isEqualTo(HttpStatus.OK);

		redis.start();
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (readiness(b).getStatusCode() != HttpStatus.OK && System.nanoTime() < deadline) {
			Thread.sleep(250);
		}
		assertThat(readiness(b).getStatusCode()).as("ready again by itself").isEqualTo(HttpStatus.OK);
		// A new session works end to end, through the channel, after the reconnection.
		Map<?, ?> after = create(b, Map.of("scenario", "snat-port-race"));
		try (Follower f = Follower.open(b.base(), "/api/watch/" + after.get("code") + "/events")) {
			assertThat(f.await((e) -> "snapshot".equals(e.name()), WAIT)).isNotNull();
			control(b, (String) after.get("id"), (String) after.get("token"), "step", null);
			assertThat(f.await((e) -> "0".equals(e.id()) && !"snapshot".equals(e.name()), WAIT))
				.as("a step published after the outage reaches the follower")
				.isNotNull();
		}
		// This Redis kept nothing on disk: the session from before is gone, and says so
		// (once the instance has checked its copy against Redis: within a second or two).
		deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (watchStatus(b, (String) before.get("code")) != HttpStatus.NOT_FOUND && System.nanoTime() < deadline) {
			Thread.sleep(250);
		}
		assertThat(watchStatus(b, (String) before.get("code"))).isEqualTo(HttpStatus.NOT_FOUND);
	}

	/** Opens a stream and waits for its snapshot. */
	private static Follower open(AppInstance on, String path) throws InterruptedException {
		Follower f = Follower.open(on.base(), path);
		assertThat(f.await((e) -> "snapshot".equals(e.name()), WAIT)).as("the snapshot of %s", path).isNotNull();
		return f;
	}

	private static boolean awaitEnded(Follower f) throws InterruptedException {
		long deadline = System.nanoTime() + WAIT.toNanos();
		while (!f.ended() && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		return f.ended();
	}

	/**
	 * Creates a session as a client that honours {@code Retry-After}: a Redis command
	 * that times out (2 s) is answered 503 by design ({@code RedisScaleOutTests}), which
	 * a machine loaded far beyond CI's produced once on an instance's first requests; the
	 * request is sent again after the time the answer names, at most twice.
	 */
	static Map<?, ?> create(AppInstance on, Map<String, Object> params) {
		for (int attempt = 1;; attempt++) {
			ResponseEntity<Map> response = WebClient.create(on.base())
				.post()
				.uri("/api/sessions")
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(params)
				.exchangeToMono((r) -> r.toEntity(Map.class))
				.block(WAIT);
			assertThat(response).isNotNull();
			String retryAfter = response.getHeaders().getFirst("Retry-After");
			if (response.getStatusCode().value() == HttpStatus.SERVICE_UNAVAILABLE.value() && retryAfter != null
					&& attempt < 3) {
				try {
					Thread.sleep(Duration.ofSeconds(Long.parseLong(retryAfter)).toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IllegalStateException(ex);
				}
				continue;
			}
			assertThat(response.getStatusCode().is2xxSuccessful())
				.as("POST /api/sessions: %s %s", response.getStatusCode(), response.getBody())
				.isTrue();
			return response.getBody();
		}
	}

	static Map<?, ?> get(AppInstance on, String path) {
		return WebClient.create(on.base()).get().uri(path).retrieve().bodyToMono(Map.class).block(WAIT);
	}

	static Map<?, ?> control(AppInstance on, String id, String token, String action, Object value) {
		Map<String, Object> body = new java.util.HashMap<>();
		body.put("action", action);
		if (value != null) {
			body.put("value", value);
		}
		return WebClient.create(on.base())
			.post()
			.uri("/api/sessions/{id}/control", id)
			.header("Authorization", "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.retrieve()
			.bodyToMono(Map.class)
			.block(WAIT);
	}

	static HttpStatus controlStatus(AppInstance on, String id, String token, String action) {
		return WebClient.create(on.base())
			.post()
			.uri("/api/sessions/{id}/control", id)
			.header("Authorization", "Bearer " + token)
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("action", action))
			.exchangeToMono((r) -> Mono.just(HttpStatus.valueOf(r.statusCode().value())))
			.block(WAIT);
	}

	static HttpStatus watchStatus(AppInstance on, String code) {
		return WebClient.create(on.base())
			.get()
			.uri("/api/watch/" + code)
			.exchangeToMono((r) -> Mono.just(HttpStatus.valueOf(r.statusCode().value())))
			.block(WAIT);
	}

	static ResponseEntity<String> readiness(AppInstance on) {
		return WebClient.create(on.base())
			.get()
			.uri("/actuator/health/readiness")
			.exchangeToMono((r) -> r.toEntity(String.class))
			.block(WAIT);
	}

}
