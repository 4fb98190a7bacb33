package dev.racetrack.web.session;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.ReactiveSubscription;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.ClientQuota;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.NotFoundException;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RejectionMetrics;
import dev.racetrack.web.shared.RunParamsBinder;
import dev.racetrack.web.shared.Runs;
import dev.racetrack.web.shared.ServiceUnavailableException;
import dev.racetrack.web.shared.TooManyRequestsException;

/**
 * Sessions in Redis, for several instances behind a load balancer (src/docs/PRODUCT.md
 * §4): the {@link SessionStore} when {@code spring.data.redis.url} is set. Any instance
 * serves any request of any session: a lookup, a follower's stream, a control.
 *
 * <p>
 * What is kept where (all keys expire after {@code racetrack.session-idle} without
 * activity; an instance with open streams of a session keeps renewing them):
 * <ul>
 * <li>{@code racetrack:session:<id>}: a hash of the parameters (as a query), the join
 * code, the SHA-256 of the control token, the cursor, the play state, the speed, the
 * version (one more at each change) and the creation time;</li>
 * <li>{@code racetrack:code:<code>}: the session id (taken with {@code SET NX}, so a code
 * is unique across instances);</li>
 * <li>{@code racetrack:followers:<id>}: each follower's instance and whether it is
 * detached; {@code racetrack:audience:<id>}: the followers and the detached per
 * instance;</li>
 * <li>{@code racetrack:ticker:<id>}: the instance that plays the session, a lease of
 * {@link #LEASE} renewed as it ticks (when it dies, another takes over);</li>
 * <li>{@code racetrack:instance:<instance>}: a heartbeat of each live instance (the
 * followers of an instance that died are dropped from the audience);</li>
 * <li>channel {@code racetrack:channel:<id>}: each change, as its version and the signals
 * it made ({@link Playback.Outcome}), and the audience.</li>
 * </ul>
 *
 * <p>
 * Each change is a compare-and-set on the session's version (a Lua script that also
 * publishes the change, so the channel has the changes in the order they were made): the
 * {@link Playback} rules are applied here, in Java, once. Every instance holding a copy
 * of the session ({@link LabSession}) is subscribed to its channel and applies the
 * signals to its copy, which its own streams render once for all its clients; a copy that
 * sees a gap in the versions (a message lost while Redis was away) reads the state again
 * and sends its clients a snapshot. A Redis that cannot be reached fails requests with
 * 503; the client library reconnects by itself, and the copies resynchronise.
 */
class RedisSessionStore implements SessionStore, DisposableBean {

	private static final Log logger = LogFactory.getLog(RedisSessionStore.class);

	static final String PREFIX = "racetrack:";

	/** How long the instance that plays a session holds it without renewing. */
	static final Duration LEASE = Duration.ofSeconds(3);

	/** How long an instance's heartbeat lives. */
	static final Duration INSTANCE_TTL = Duration.ofSeconds(10);

	/** How often each instance looks after its copies. */
	static final Duration MAINTENANCE = Duration.ofSeconds(1);

	/** A copy with no stream and no activity here for this long is dropped. */
	static final Duration COPY_IDLE = Duration.ofSeconds(60);

	private static final int CAS_ATTEMPTS = 16;

	private static volatile long lastUnavailableLog;

	private static final String TOTALS = """
			local function totals(key)
			  local all = redis.call('HGETALL', key)
			  local f, d = 0, 0
			  for i = 1, #all, 2 do
			    if string.sub(all[i], -2) == ':d' then d = d + tonumber(all[i + 1])
			    else f = f + tonumber(all[i + 1]) end
			  end
			  return f, d
			end
			""";

	/**
	 * KEYS: session, code; ARGV: id, ttl, field, value, ... → 1, or 0 when the code is
	 * taken.
	 */
	static final RedisScript<Long> CREATE = RedisScript.of("""
			if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
			redis.call('HSET', KEYS[1], unpack(ARGV, 3))
			redis.call('PEXPIRE', KEYS[1], ARGV[2])
			return 1
			""", Long.class);

	/**
	 * KEYS: session, channel, ticker, code, followers, audience; ARGV: expected version,
	 * cursor, playing, speed, signals, ttl, lease owner or '', params or '', lease ttl,
	 * now → the new version, -1 (no session), -2 (another change came first), -3 (the
	 * lease is someone else's).
	 */
	static final RedisScript<Long> TRANSITION = RedisScript.of("""
			local v = redis.call('HGET', KEYS[1], 'v')
			if not v then return -1 end
			if v ~= ARGV[1] then return -2 end
			if ARGV[7] ~= '' then
			  if redis.call('GET', KEYS[3]) ~= ARGV[7] then return -3 end
			  redis.call('PEXPIRE', KEYS[3], ARGV[9])
			end
			local nv = tonumber(v) + 1
			redis.call('HSET', KEYS[1], 'cursor', ARGV[2], 'playing', ARGV[3], 'speed', ARGV[4], 'v', nv)
			if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'params', ARGV[8]) end
			redis.call('PUBLISH', KEYS[2], nv .. ' ' .. ARGV[10] .. '\\n' .. ARGV[5])
			redis.call('PEXPIRE', KEYS[1], ARGV[6])
			redis.call('PEXPIRE', KEYS[4], ARGV[6])
			redis.call('PEXPIRE', KEYS[5], ARGV[6])
			redis.call('PEXPIRE', KEYS[6], ARGV[6])
			return nv
			""", Long.class);

	/**
	 * KEYS: session, followers, audience; ARGV: follower, instance → 1, or 0 when no
	 * session.
	 */
	static final RedisScript<Long> JOIN = RedisScript.of("""
			local ttl = redis.call('PTTL', KEYS[1])
			if ttl == -2 then return 0 end
			redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. '|0')
			redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
			if ttl > 0 then
			  redis.call('PEXPIRE', KEYS[2], ttl)
			  redis.call('PEXPIRE', KEYS[3], ttl)
			end
			return 1
			""", Long.class);

	/**
	 * KEYS: followers, audience; ARGV: follower, detached (0 or 1) → {followers,
	 * detached} of the whole session, or {-1} when no such follower.
	 */
	@SuppressWarnings("rawtypes")
	static final RedisScript<List> PRESENCE = RedisScript.of(TOTALS + """
			local rec = redis.call('HGET', KEYS[1], ARGV[1])
			if not rec then return {-1} end
			local sep = string.find(rec, '|', 1, true)
			local inst = string.sub(rec, 1, sep - 1)
			if string.sub(rec, sep + 1) ~= ARGV[2] then
			  redis.call('HSET', KEYS[1], ARGV[1], inst .. '|' .. ARGV[2])
			  redis.call('HINCRBY', KEYS[2], inst .. ':d', (ARGV[2] == '1') and 1 or -1)
			end
			local f, d = totals(KEYS[2])
			return {f, d}
			""", List.class);

	/** KEYS: followers, audience; ARGV: follower → 1, or 0 when it was not there. */
	static final RedisScript<Long> LEAVE = RedisScript.of("""
			local rec = redis.call('HGET', KEYS[1], ARGV[1])
			if not rec then return 0 end
			redis.call('HDEL', KEYS[1], ARGV[1])
			local sep = string.find(rec, '|', 1, true)
			local inst = string.sub(rec, 1, sep - 1)
			redis.call('HINCRBY', KEYS[2], inst, -1)
			if string.sub(rec, sep + 1) == '1' then redis.call('HINCRBY', KEYS[2], inst .. ':d', -1) end
			return 1
			""", Long.class);

	/** KEYS: audience, channel; ARGV: now → publishes the audience. */
	static final RedisScript<Long> AUDIENCE = RedisScript.of(TOTALS + """
			local f, d = totals(KEYS[1])
			redis.call('PUBLISH', KEYS[2], 'A ' .. f .. ' ' .. d .. ' ' .. ARGV[1])
			return f
			""", Long.class);

	/** KEYS: followers, audience; ARGV: a dead instance → drops its followers. */
	static final RedisScript<Long> REAP = RedisScript.of("""
			local all = redis.call('HGETALL', KEYS[1])
			local prefix = ARGV[1] .. '|'
			local n = 0
			for i = 1, #all, 2 do
			  if string.sub(all[i + 1], 1, #prefix) == prefix then
			    redis.call('HDEL', KEYS[1], all[i])
			    n = n + 1
			  end
			end
			redis.call('HDEL', KEYS[2], ARGV[1], ARGV[1] .. ':d')
			return n
			""", Long.class);

	/** KEYS: ticker; ARGV: owner, ttl → renews the lease if it is the owner's. */
	static final RedisScript<Long> RENEW = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then
			  redis.call('PEXPIRE', KEYS[1], ARGV[2])
			  return 1
			end
			return 0
			""", Long.class);

	/** KEYS: ticker; ARGV: owner → gives the lease back if it is the owner's. */
	static final RedisScript<Long> RELEASE = RedisScript.of("""
			if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
			return 0
			""", Long.class);

	/** KEYS: session, code, followers, audience; ARGV: ttl → 1, or 0 when no session. */
	static final RedisScript<Long> TOUCH = RedisScript.of("""
			if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
			redis.call('PEXPIRE', KEYS[2], ARGV[1])
			redis.call('PEXPIRE', KEYS[3], ARGV[1])
			redis.call('PEXPIRE', KEYS[4], ARGV[1])
			return 1
			""", Long.class);

	private final ReactiveStringRedisTemplate redis;

	private final ReactiveRedisMessageListenerContainer listener;

	private final Runs runs;

	private final RacetrackProperties properties;

	private final ClientQuota quota;

	private final Clock clock = Clock.systemUTC();

	private final String instance = SessionIds.id();

	private final Scheduler scheduler = Schedulers.newSingle("racetrack-redis-sessions", true);

	/**
	 * Where the channel's messages are applied and fanned out to this instance's streams.
	 */
	private final Scheduler fanout = Schedulers.newSingle("racetrack-redis-fanout", true);

	/** This instance's copies of sessions, by id. */
	private final Map<String, Copy> copies = new ConcurrentHashMap<>();

	/** Copies being made, by id: one for all the requests that need it at once. */
	private final Map<String, Mono<Copy>> making = new ConcurrentHashMap<>();

	private final List<Consumer<LabSession>> onCreate = new CopyOnWriteArrayList<>();

	private final Timer lag;

	private final Counter resyncs;

	private final Counter takeovers;

	private final Disposable maintenance;

	private volatile long lastHeartbeat;

	private volatile long lastReap;

	RedisSessionStore(ReactiveStringRedisTemplate redis, ReactiveRedisMessageListenerContainer listener, Runs runs,
			RacetrackProperties properties, RejectionMetrics metrics, MeterRegistry meters) {
		this.redis = redis;
		this.listener = listener;
		this.runs = runs;
		this.properties = properties;
		this.quota = new ClientQuota("sessions", "live sessions", properties.maxSessions(),
				properties.maxSessionsPerClient(), metrics);
		this.lag = Timer.builder("racetrack.channel.lag")
			.description("Time from a change's publication in Redis to its arrival on this instance")
			.publishPercentiles(0.5, 0.99)
			.register(meters);
		this.resyncs = Counter.builder("racetrack.channel.resyncs")
			.description("Session copies read again from Redis after a gap in the channel")
			.register(meters);
		this.takeovers = Counter.builder("racetrack.ticker.takeovers")
			.description("Playing sessions whose ticker this instance took over")
			.register(meters);
		this.maintenance = Flux.interval(MAINTENANCE, this.scheduler)
			.onBackpressureDrop()
			.concatMap((t) -> Mono.defer(this::maintain).onErrorResume((ex) -> {
				logger.debug("Session maintenance failed: " + ex);
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	/** This instance's name in Redis. */
	String instance() {
		return this.instance;
	}

	// ---------------------------------------------------------------- keys

	static String sessionKey(String id) {
		return PREFIX + "session:" + id;
	}

	static String codeKey(String code) {
		return PREFIX + "code:" + code;
	}

	static String followersKey(String id) {
		return PREFIX + "followers:" + id;
	}

	static String audienceKey(String id) {
		return PREFIX + "audience:" + id;
	}

	static String tickerKey(String id) {
		return PREFIX + "ticker:" + id;
	}

	static String channel(String id) {
		return PREFIX + "channel:" + id;
	}

	static String instanceKey(String instance) {
		return PREFIX + "instance:" + instance;
	}

	private long ttlMillis() {
		return this.properties.sessionIdle().toMillis();
	}

	// ---------------------------------------------------------------- the seam

	@Override
	public void onCreate(Consumer<LabSession> listener) {
		this.onCreate.add(listener);
	}

	@Override
	public Mono<LabSession> create(RunParams params, String client) {
		return Mono.defer(() -> {
			Lease slot = this.quota.acquire(client);
			String id = SessionIds.id();
			String token = SessionIds.controlToken();
			return this.runs.traced(params)
				.flatMap((held) -> reserve(id, token, params, 0)
					.map((code) -> new LabSession(id, code, token, LabSession.hash(token), params, held.run(),
							this.scheduler, this.clock.millis(), this.properties.audienceInterval().toMillis()))
					.doFinally((s) -> held.lease().release()))
				.flatMap((session) -> {
					session.holdSlot(slot);
					return attach(session, new State(Playback.START, 0, session.params())).map(Copy::session);
				})
				.doOnError((ex) -> slot.release());
		}).onErrorMap(RedisSessionStore::unavailable);
	}

	/** Writes a new session under a free join code (taken with SET NX); its code. */
	private Mono<String> reserve(String id, String token, RunParams params, int attempt) {
		if (attempt > 20) {
			return Mono.error(new ServiceUnavailableException("join-codes", "No free join code was found."));
		}
		String code = SessionIds.code();
		List<String> args = new ArrayList<>(List.of(id, String.valueOf(ttlMillis())));
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("params", query(params));
		fields.put("code", code);
		fields.put("token", LabSession.hash(token));
		fields.put("cursor", "-1");
		fields.put("playing", "0");
		fields.put("speed", "1.0");
		fields.put("v", "0");
		fields.put("created", String.valueOf(this.clock.millis()));
		fields.forEach((k, v) -> {
			args.add(k);
			args.add(v);
		});
		return this.redis.execute(CREATE, List.of(sessionKey(id), codeKey(code)), args)
			.next()
			.flatMap((ok) -> (ok == 1) ? Mono.just(code) : reserve(id, token, params, attempt + 1));
	}

	@Override
	public Mono<LabSession> byId(String id) {
		if (id == null || id.isEmpty() || id.length() > 64) {
			return Mono.empty();
		}
		Copy copy = this.copies.get(id);
		if (copy != null && !copy.session.isClosed()) {
			return Mono.just(copy.session);
		}
		return this.making.computeIfAbsent(id, (k) -> load(id).doFinally((s) -> this.making.remove(id)).cache())
			.map(Copy::session)
			.onErrorMap(RedisSessionStore::unavailable);
	}

	@Override
	public Mono<LabSession> byCode(String code) {
		// A session keeps its code for life: a copy here answers without asking Redis
		// (a copy whose session ended is let go within a maintenance round).
		for (Copy copy : this.copies.values()) {
			if (copy.session.code().equals(code) && !copy.session.isClosed()) {
				return Mono.just(copy.session);
			}
		}
		return this.redis.opsForValue()
			.get(codeKey(code))
			.onErrorMap(RedisSessionStore::unavailable)
			.flatMap(this::byId);
	}

	/** Makes this instance's copy of a session that lives in Redis. */
	private Mono<Copy> load(String id) {
		return readState(id).flatMap((state) -> this.runs.traced(state.params).map((held) -> {
			try {
				return new LabSession(id, state.code, null, state.tokenHash, state.params, held.run(), this.scheduler,
						this.clock.millis(), this.properties.audienceInterval().toMillis());
			}
			finally {
				held.lease().release();
			}
		})).flatMap((session) -> attach(session, null));
	}

	/**
	 * Subscribes a copy to its channel, then reads its state (or takes {@code known}):
	 * listening first, nothing published after the read can be missed.
	 */
	private Mono<Copy> attach(LabSession session, State known) {
		Copy copy = new Copy(session);
		return this.listener.receiveLater(ChannelTopic.of(channel(session.id()))).flatMap((messages) -> {
			// Off the client library's event loop: a change is fanned out to this
			// instance's streams on a thread of its own (in order), so a thousand
			// followers never delay Redis replies.
			copy.subscription = messages.publishOn(this.fanout)
				.subscribe((m) -> onMessage(copy, m.getMessage()), (ex) -> {
					logger.debug("Channel of " + session.id() + " ended: " + ex);
				});
			Mono<State> state = (known != null) ? Mono.just(known) : readState(session.id());
			return state.zipWith(readAudience(session.id()));
		}).map((both) -> {
			State state = both.getT1();
			Copy previous = this.copies.put(session.id(), copy);
			if (previous != null && previous != copy) {
				previous.close();
			}
			copy.ready(state, both.getT2());
			this.onCreate.forEach((l) -> l.accept(session));
			return copy;
		}).doOnError((ex) -> copy.close());
	}

	@Override
	public Mono<LabSession> replace(LabSession old, RunParams params) {
		if (old.params().equals(params)) {
			return Mono.just(old);
		}
		return this.runs.traced(params).flatMap((held) -> {
			held.lease().release();
			Playback.Outcome outcome = new Playback.Outcome(Playback.START,
					List.of(new LabSession.Signal.Replaced(params)));
			return transition(old, (state) -> outcome, query(params), "");
		}).then(Mono.defer(() -> {
			Copy copy = this.copies.get(old.id());
			if (copy != null && copy.session == old) {
				// Our own message may still be on its way: do not wait for it.
				remove(copy, params);
			}
			return byId(old.id());
		}))
			.switchIfEmpty(Mono
				.error(() -> new NotFoundException("session", "Session " + old.id() + " has ended; start a new one.")))
			.onErrorMap(RedisSessionStore::unavailable);
	}

	@Override
	public Mono<Playback> control(LabSession session, Playback.Action action, double value) {
		return transition(session, (state) -> state.apply(action, value, session), "", "").map((next) -> {
			if (next.ticking(session)) {
				tryLease(copyOf(session));
			}
			return next;
		})
			.switchIfEmpty(Mono.error(
					() -> new NotFoundException("session", "Session " + session.id() + " has ended; start a new one.")))
			.onErrorMap(RedisSessionStore::unavailable);
	}

	@Override
	public Mono<Boolean> join(LabSession session, String follower, int max) {
		return Mono.defer(() -> {
			if (!session.join(follower, max)) {
				return Mono.just(false);
			}
			return this.redis
				.execute(JOIN, List.of(sessionKey(session.id()), followersKey(session.id()), audienceKey(session.id())),
						List.of(follower, this.instance))
				.next()
				.flatMap((ok) -> {
					if (ok == 0) {
						session.followerGone(follower);
						return Mono.error(new NotFoundException("session",
								"Session " + session.code() + " has ended; ask the presenter for the new code."));
					}
					audienceChanged(session);
					return Mono.just(true);
				})
				.doOnError((ex) -> session.followerGone(follower));
		}).onErrorMap(RedisSessionStore::unavailable);
	}

	@Override
	public Mono<LabSession.Signal.Audience> presence(LabSession session, String follower, boolean detached) {
		session.follower(follower, detached);
		return this.redis
			.execute(PRESENCE, List.of(followersKey(session.id()), audienceKey(session.id())),
					List.of(follower, detached ? "1" : "0"))
			.next()
			.flatMap((reply) -> {
				List<?> counts = (List<?>) reply;
				long followers = ((Number) counts.get(0)).longValue();
				if (followers < 0) {
					return Mono.empty();
				}
				audienceChanged(session);
				return Mono
					.just(new LabSession.Signal.Audience((int) followers, (int) ((Number) counts.get(1)).longValue()));
			})
			.onErrorMap(RedisSessionStore::unavailable);
	}

	@Override
	public void left(LabSession session, String follower) {
		session.followerGone(follower);
		this.redis.execute(LEAVE, List.of(followersKey(session.id()), audienceKey(session.id())), List.of(follower))
			.next()
			.subscribe((n) -> audienceChanged(session), (ex) -> logger.debug("Could not record a follower leaving"));
		touch(session);
	}

	@Override
	public void touch(LabSession session) {
		long now = this.clock.millis();
		session.touch(now);
		Copy copy = copyOf(session);
		if (copy != null && now - copy.lastRenewal > ttlMillis() / 20) {
			copy.lastRenewal = now;
			renew(copy).subscribe((alive) -> {
			}, (ex) -> copy.lastRenewal = 0);
		}
	}

	@Override
	public Collection<LabSession> all() {
		return this.copies.values().stream().map(Copy::session).toList();
	}

	@Override
	public int size() {
		return this.copies.size();
	}

	@Override
	public void closeAll() {
		this.maintenance.dispose();
		for (Copy c : List.copyOf(this.copies.values())) {
			if (c.ticker) {
				release(c);
			}
			remove(c, null);
		}
		this.redis.delete(instanceKey(this.instance)).onErrorResume((ex) -> Mono.empty()).block(Duration.ofSeconds(2));
	}

	@Override
	public void destroy() {
		this.maintenance.dispose();
		this.scheduler.dispose();
		this.fanout.dispose();
	}

	// ---------------------------------------------------------------- changes

	/** The session's state in Redis. */
	record State(Playback playback, long version, RunParams params, String code, String tokenHash, long created) {

		State(Playback playback, long version, RunParams params) {
			this(playback, version, params, null, null, 0);
		}

	}

	private Mono<State> readState(String id) {
		return this.redis.<String, String>opsForHash()
			.entries(sessionKey(id))
			.collectMap((e) -> e.getKey(), (e) -> e.getValue())
			.flatMap((h) -> {
				if (h.isEmpty() || !h.containsKey("v")) {
					return Mono.empty();
				}
				Playback p = new Playback(Long.parseLong(h.get("cursor")), "1".equals(h.get("playing")),
						Double.parseDouble(h.get("speed")));
				return Mono.just(new State(p, Long.parseLong(h.get("v")), params(h.get("params")), h.get("code"),
						h.get("token"), Long.parseLong(h.getOrDefault("created", "0"))));
			});
	}

	private Mono<LabSession.Signal.Audience> readAudience(String id) {
		return this.redis.<String, String>opsForHash().entries(audienceKey(id)).collectList().map((entries) -> {
			int f = 0;
			int d = 0;
			for (Map.Entry<String, String> e : entries) {
				int n = Integer.parseInt(e.getValue());
				if (e.getKey().endsWith(":d")) {
					d += n;
				}
				else {
					f += n;
				}
			}
			return new LabSession.Signal.Audience(f, d);
		});
	}

	/**
	 * Applies {@code rule} to the session's state as a compare-and-set on its version:
	 * first on this copy's state, then, if another change came first, on the state read
	 * again. {@code params}: the new parameters of a replaced session, or '';
	 * {@code lease}: the lease this change needs (a tick), or ''. Empty when the session
	 * is gone.
	 */
	private Mono<Playback> transition(LabSession session, java.util.function.Function<Playback, Playback.Outcome> rule,
			String params, String lease) {
		State mine = new State(session.playback(), session.version(), session.params());
		return attempt(session, rule, params, lease, mine, 0);
	}

	private Mono<Playback> attempt(LabSession session, java.util.function.Function<Playback, Playback.Outcome> rule,
			String params, String lease, State state, int attempt) {
		Playback.Outcome outcome = rule.apply(state.playback);
		if (!lease.isEmpty() && !outcome.changed(state.playback)) {
			return Mono.just(outcome.next());
		}
		String id = session.id();
		List<String> keys = List.of(sessionKey(id), channel(id), tickerKey(id), codeKey(session.code()),
				followersKey(id), audienceKey(id));
		Playback next = outcome.next();
		List<String> args = List.of(String.valueOf(state.version), String.valueOf(next.cursor()),
				next.playing() ? "1" : "0", String.valueOf(next.speed()), encode(outcome.signals()),
				String.valueOf(ttlMillis()), lease, params, String.valueOf(LEASE.toMillis()),
				String.valueOf(this.clock.millis()));
		return this.redis.execute(TRANSITION, keys, args).next().flatMap((result) -> {
			if (result > 0) {
				return Mono.just(next);
			}
			if (result == -1) {
				return Mono.empty();
			}
			if (result == -3) {
				return Mono.error(new LostLease());
			}
			if (!lease.isEmpty()) {
				// A tick never retries on a newer state: it would step twice.
				return Mono.error(new Conflict());
			}
			if (attempt >= CAS_ATTEMPTS) {
				return Mono.error(new ServiceUnavailableException("session-changes",
						"The session is changing too fast to apply this; try again."));
			}
			return readState(id).flatMap((fresh) -> attempt(session, rule, params, lease, fresh, attempt + 1));
		});
	}

	/** Another change came before a tick. */
	private static final class Conflict extends RuntimeException {

		Conflict() {
			super("another change came first", null, false, false);
		}

	}

	/** The ticker's lease was taken by another instance. */
	private static final class LostLease extends RuntimeException {

		LostLease() {
			super("lost the ticker lease", null, false, false);
		}

	}

	// ---------------------------------------------------------------- the channel

	/**
	 * One change as text: the signals it made, one per line ({@code S step},
	 * {@code N step
	 * playing speed}, {@code P playing speed step}, {@code B step}, {@code E},
	 * {@code C params}); the script puts the version and the time in front.
	 */
	static String encode(List<LabSession.Signal> signals) {
		StringBuilder sb = new StringBuilder();
		for (LabSession.Signal s : signals) {
			if (!sb.isEmpty()) {
				sb.append('\n');
			}
			if (s instanceof LabSession.Signal.Step step) {
				sb.append("S ").append(step.step());
			}
			else if (s instanceof LabSession.Signal.Snapshot snap) {
				sb.append("N ")
					.append(snap.step())
					.append(' ')
					.append(snap.playing() ? 1 : 0)
					.append(' ')
					.append(snap.speed());
			}
			else if (s instanceof LabSession.Signal.PlayState play) {
				sb.append("P ")
					.append(play.playing() ? 1 : 0)
					.append(' ')
					.append(play.speed())
					.append(' ')
					.append(play.step());
			}
			else if (s instanceof LabSession.Signal.Beat beat) {
				sb.append("B ").append(beat.step());
			}
			else if (s instanceof LabSession.Signal.End) {
				sb.append('E');
			}
			else if (s instanceof LabSession.Signal.Replaced replaced) {
				sb.append("C ").append(query(replaced.params()));
			}
		}
		return sb.toString();
	}

	/** The signals of one change, as {@link #encode} wrote them. */
	static List<LabSession.Signal> decode(List<String> lines, Playback.Course course) {
		List<LabSession.Signal> signals = new ArrayList<>(lines.size());
		for (String line : lines) {
			String[] w = line.split(" ", 2);
			String[] a = (w.length > 1) ? w[1].split(" ") : new String[0];
			switch (w[0]) {
				case "S" -> signals.add(new LabSession.Signal.Step(Long.parseLong(a[0])));
				case "N" -> signals.add(new LabSession.Signal.Snapshot(Long.parseLong(a[0]), "1".equals(a[1]),
						Double.parseDouble(a[2])));
				case "P" -> signals.add(new LabSession.Signal.PlayState("1".equals(a[0]), Double.parseDouble(a[1]),
						Long.parseLong(a[2])));
				case "B" -> {
					long step = Long.parseLong(a[0]);
					signals.add(new LabSession.Signal.Beat(step, course.beatAt(step)));
				}
				case "E" -> signals.add(new LabSession.Signal.End());
				case "C" -> signals.add(new LabSession.Signal.Replaced(params(w[1])));
				default -> {
					// a newer instance's signal: the next resync covers it
				}
			}
		}
		return signals;
	}

	private void onMessage(Copy copy, String message) {
		try {
			int nl = message.indexOf('\n');
			String head = (nl < 0) ? message : message.substring(0, nl);
			String[] h = head.split(" ");
			if ("A".equals(h[0])) {
				recordLag(Long.parseLong(h[3]));
				copy.session.audience(Integer.parseInt(h[1]), Integer.parseInt(h[2]));
				return;
			}
			long version = Long.parseLong(h[0]);
			recordLag(Long.parseLong(h[1]));
			List<String> lines = (nl < 0) ? List.of() : List.of(message.substring(nl + 1).split("\n"));
			copy.receive(version, decode(lines, copy.session));
		}
		catch (RuntimeException ex) {
			logger.warn("Unreadable message on the channel of " + copy.session.id() + ": " + ex);
		}
	}

	private void recordLag(long publishedMillis) {
		this.lag.record(Math.max(0, this.clock.millis() - publishedMillis), TimeUnit.MILLISECONDS);
	}

	// ---------------------------------------------------------------- the ticker

	/** Tries to take the session's ticker lease; ticks if it got it. */
	private void tryLease(Copy copy) {
		if (copy == null || copy.ticker || copy.session.isClosed()) {
			return;
		}
		this.redis.opsForValue().setIfAbsent(tickerKey(copy.session.id()), this.instance, LEASE).subscribe((won) -> {
			if (Boolean.TRUE.equals(won)) {
				synchronized (copy) {
					copy.ticker = true;
				}
				scheduleTick(copy, copy.session.delayMillis());
			}
		}, (ex) -> logger.debug("Could not take a ticker lease: " + ex));
	}

	private void scheduleTick(Copy copy, long delayMillis) {
		synchronized (copy) {
			if (!copy.ticker || copy.session.isClosed()) {
				return;
			}
			copy.session.ticker(this.scheduler.schedule(() -> tick(copy), delayMillis, TimeUnit.MILLISECONDS));
		}
	}

	private void tick(Copy copy) {
		LabSession session = copy.session;
		transition(session, (p) -> p.tick(session), "", this.instance).switchIfEmpty(Mono.fromRunnable(() -> {
			// The session is gone from Redis.
			remove(copy, null);
		})).subscribe((next) -> {
			if (next.ticking(session)) {
				scheduleTick(copy, delayAfter(session, next));
			}
			else {
				release(copy);
			}
		}, (ex) -> {
			if (ex instanceof Conflict) {
				// A presenter's change came first: tick again from the state it made.
				readState(session.id()).subscribe((state) -> {
					copy.resync(state);
					scheduleTick(copy, session.delayMillis());
				}, (e) -> release(copy));
				return;
			}
			if (!(ex instanceof LostLease)) {
				logger.debug("Tick failed: " + ex);
			}
			release(copy);
		});
	}

	/** The delay before the step after {@code next}. */
	private static long delayAfter(LabSession session, Playback next) {
		return session.delayMillis(next);
	}

	private void release(Copy copy) {
		boolean had;
		synchronized (copy) {
			had = copy.ticker;
			copy.ticker = false;
			copy.session.ticker(null);
		}
		if (had) {
			this.redis.execute(RELEASE, List.of(tickerKey(copy.session.id())), List.of(this.instance))
				.next()
				.subscribe((n) -> {
				}, (ex) -> logger.debug("Could not release a ticker lease: " + ex));
		}
	}

	// ---------------------------------------------------------------- audience

	/** Publishes the session's audience, at most once per audience interval from here. */
	private void audienceChanged(LabSession session) {
		Copy copy = copyOf(session);
		if (copy == null) {
			return;
		}
		long interval = this.properties.audienceInterval().toMillis();
		synchronized (copy) {
			if (copy.audiencePending) {
				return;
			}
			copy.audiencePending = true;
			long wait = Math.max(0, copy.lastAudience + interval - this.clock.millis());
			this.scheduler.schedule(() -> {
				synchronized (copy) {
					copy.audiencePending = false;
					copy.lastAudience = this.clock.millis();
				}
				this.redis
					.execute(AUDIENCE, List.of(audienceKey(session.id()), channel(session.id())),
							List.of(String.valueOf(this.clock.millis())))
					.next()
					.subscribe((n) -> {
					}, (ex) -> logger.debug("Could not publish the audience: " + ex));
			}, wait, TimeUnit.MILLISECONDS);
		}
	}

	// ---------------------------------------------------------------- maintenance

	/**
	 * Once a second: this instance's heartbeat; for each copy, its state checked against
	 * Redis (a gap is resynchronised, a session gone ends its streams), its keys renewed
	 * while it has streams, its ticker lease renewed or, for a playing session nobody
	 * ticks, taken over; the followers of dead instances dropped; idle copies let go.
	 */
	private Mono<Void> maintain() {
		long now = this.clock.millis();
		List<Mono<?>> work = new ArrayList<>();
		if (now - this.lastHeartbeat >= INSTANCE_TTL.toMillis() / 4) {
			this.lastHeartbeat = now;
			work.add(this.redis.opsForValue().set(instanceKey(this.instance), "1", INSTANCE_TTL));
		}
		boolean reap = now - this.lastReap >= INSTANCE_TTL.toMillis() / 2;
		if (reap) {
			this.lastReap = now;
		}
		for (Copy copy : List.copyOf(this.copies.values())) {
			LabSession s = copy.session;
			if (s.isClosed()) {
				this.copies.remove(s.id(), copy);
				continue;
			}
			boolean active = s.streams().get() > 0 || copy.ticker
					|| now - s.lastActivityMillis() < COPY_IDLE.toMillis();
			if (!active) {
				remove(copy, null);
				continue;
			}
			work.add(reconcile(copy));
			if (s.streams().get() > 0 && now - copy.lastRenewal > ttlMillis() / 20) {
				copy.lastRenewal = now;
				work.add(renew(copy));
			}
			if (copy.ticker) {
				work.add(this.redis
					.execute(RENEW, List.of(tickerKey(s.id())),
							List.of(this.instance, String.valueOf(LEASE.toMillis())))
					.next()
					.doOnNext((ok) -> {
						if (ok == 0) {
							release(copy);
						}
					}));
			}
			else if (s.playback().ticking(s)) {
				work.add(this.redis.opsForValue()
					.setIfAbsent(tickerKey(s.id()), this.instance, LEASE)
					.doOnNext((won) -> {
						if (Boolean.TRUE.equals(won)) {
							this.takeovers.increment();
							synchronized (copy) {
								copy.ticker = true;
							}
							scheduleTick(copy, s.delayMillis());
						}
					}));
			}
			if (reap) {
				work.add(reapDead(copy));
			}
		}
		return Flux.fromIterable(work).concatMap((m) -> m.onErrorResume((ex) -> {
			logger.debug("Maintenance step failed: " + ex);
			return Mono.empty();
		})).then();
	}

	/** Compares the copy's version with Redis; resynchronises or ends it. */
	private Mono<?> reconcile(Copy copy) {
		return readState(copy.session.id()).map((state) -> {
			if (state.version > copy.session.version() && !state.params.equals(copy.session.params())) {
				remove(copy, state.params);
			}
			else if (state.version > copy.session.version()) {
				// A change may be on its way: resynchronise only when what Redis had a
				// check ago has still not arrived.
				if (copy.seenAhead > 0 && copy.session.version() < copy.seenAhead) {
					copy.resync(state);
					copy.seenAhead = 0;
				}
				else {
					copy.seenAhead = state.version;
				}
			}
			else {
				copy.seenAhead = 0;
			}
			return state;
		}).switchIfEmpty(Mono.fromRunnable(() -> remove(copy, null)));
	}

	private Mono<Boolean> renew(Copy copy) {
		LabSession s = copy.session;
		return this.redis
			.execute(TOUCH, List.of(sessionKey(s.id()), codeKey(s.code()), followersKey(s.id()), audienceKey(s.id())),
					List.of(String.valueOf(ttlMillis())))
			.next()
			.map((n) -> n == 1);
	}

	/** Drops from the audience the followers of instances whose heartbeat has stopped. */
	private Mono<?> reapDead(Copy copy) {
		String id = copy.session.id();
		return this.redis.<String, String>opsForHash()
			.keys(audienceKey(id))
			.filter((k) -> !k.endsWith(":d") && !k.equals(this.instance))
			.concatMap((other) -> this.redis.hasKey(instanceKey(other))
				.filter((alive) -> !alive)
				.flatMap((dead) -> this.redis.execute(REAP, List.of(followersKey(id), audienceKey(id)), List.of(other))
					.next()))
			.count()
			.doOnNext((n) -> {
				if (n > 0) {
					audienceChanged(copy.session);
				}
			});
	}

	private void remove(Copy copy, RunParams replacedBy) {
		this.copies.remove(copy.session.id(), copy);
		if (replacedBy != null) {
			copy.session.replacedBy(replacedBy);
		}
		copy.close();
	}

	private Copy copyOf(LabSession session) {
		Copy copy = this.copies.get(session.id());
		return (copy != null && copy.session == session) ? copy : null;
	}

	// ---------------------------------------------------------------- helpers

	/** Parameters as kept in Redis: the query of a permalink. */
	static String query(RunParams params) {
		StringBuilder sb = new StringBuilder();
		ParamsView.of(params).asQuery().forEach((k, v) -> {
			if (!sb.isEmpty()) {
				sb.append('&');
			}
			sb.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
		});
		return sb.toString();
	}

	static RunParams params(String query) {
		Map<String, String> fields = new LinkedHashMap<>();
		for (String pair : query.split("&")) {
			int eq = pair.indexOf('=');
			if (eq > 0) {
				fields.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
			}
		}
		return RunParamsBinder.bind(fields);
	}

	/**
	 * A failure of Redis itself becomes a 503 naming it; other errors pass as they are.
	 */
	static Throwable unavailable(Throwable ex) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (t instanceof org.springframework.dao.DataAccessException
					|| t instanceof io.lettuce.core.RedisException) {
				long now = System.currentTimeMillis();
				if (now - lastUnavailableLog > 10_000) {
					lastUnavailableLog = now;
					logger.warn("Redis cannot be reached (requests get 503): " + ex);
				}
				return new ServiceUnavailableException("redis",
						"Sessions are kept in Redis, which cannot be reached now; try again in a moment.");
			}
		}
		return ex;
	}

	/**
	 * This instance's copy of one session: the session object, its subscription, its
	 * ticker.
	 */
	final class Copy {

		final LabSession session;

		Disposable subscription;

		/** Messages that came before the state was read, in order. */
		private List<Object[]> early = new ArrayList<>();

		boolean ticker;

		/** The speed last seen (a ticker here follows a change of it). */
		double speed = 1;

		boolean audiencePending;

		long lastAudience;

		volatile long lastRenewal;

		/** The version Redis had at the last check, when it was ahead of this copy. */
		volatile long seenAhead;

		Copy(LabSession session) {
			this.session = session;
		}

		LabSession session() {
			return this.session;
		}

		/** The state read after subscribing: the messages that came first are applied. */
		synchronized void ready(State state, LabSession.Signal.Audience audience) {
			this.session.apply(new Playback.Outcome(state.playback, List.of()), state.version);
			this.session.audience(audience.followers(), audience.detached());
			List<Object[]> pending = this.early;
			this.early = null;
			for (Object[] m : pending) {
				receive((Long) m[0], castSignals(m[1]));
			}
		}

		@SuppressWarnings("unchecked")
		private List<LabSession.Signal> castSignals(Object o) {
			return (List<LabSession.Signal>) o;
		}

		/** One change from the channel. */
		synchronized void receive(long version, List<LabSession.Signal> signals) {
			if (this.early != null) {
				this.early.add(new Object[] { version, signals });
				return;
			}
			long mine = this.session.version();
			if (version <= mine) {
				return;
			}
			for (LabSession.Signal s : signals) {
				if (s instanceof LabSession.Signal.Replaced replaced) {
					remove(this, replaced.params());
					return;
				}
			}
			if (version != mine + 1) {
				readState(this.session.id()).subscribe(this::resync, (ex) -> {
				});
				return;
			}
			Playback next = this.session.playback();
			for (LabSession.Signal s : signals) {
				next = after(next, s);
			}
			this.session.apply(new Playback.Outcome(next, signals), version);
			onPlayState(next);
		}

		/**
		 * The state read again after a gap: the clients get a snapshot of it (on the
		 * fan-out thread, in turn with the channel's messages).
		 */
		void resync(State state) {
			RedisSessionStore.this.fanout.schedule(() -> resyncNow(state));
		}

		private synchronized void resyncNow(State state) {
			if (this.early != null || state.version <= this.session.version()) {
				return;
			}
			RedisSessionStore.this.resyncs.increment();
			Playback p = state.playback;
			this.session.apply(
					new Playback.Outcome(p,
							List.of(new LabSession.Signal.Snapshot(p.cursor(), p.playing(), p.speed()),
									new LabSession.Signal.PlayState(p.playing(), p.speed(), p.cursor()))),
					state.version);
			onPlayState(p);
		}

		/**
		 * A ticker here stops when the session stops playing, and follows a new speed.
		 */
		private void onPlayState(Playback p) {
			double was = this.speed;
			this.speed = p.speed();
			if (this.ticker && p.ticking(this.session) && p.speed() != was) {
				scheduleTick(this, this.session.delayMillis());
				return;
			}
			if (this.ticker) {
				if (!p.ticking(this.session)) {
					release(this);
				}
			}
			else if (p.ticking(this.session)) {
				tryLease(this);
			}
		}

		void close() {
			Disposable s = this.subscription;
			if (s != null) {
				s.dispose();
			}
			synchronized (this) {
				this.ticker = false;
			}
			this.session.close();
		}

	}

	/** The playback after one signal of a change (the signals carry the whole state). */
	static Playback after(Playback p, LabSession.Signal s) {
		if (s instanceof LabSession.Signal.Step step) {
			return new Playback(step.step(), p.playing(), p.speed());
		}
		if (s instanceof LabSession.Signal.Snapshot snap) {
			return new Playback(snap.step(), snap.playing(), snap.speed());
		}
		if (s instanceof LabSession.Signal.PlayState play) {
			return new Playback(play.step(), play.playing(), play.speed());
		}
		return p;
	}

}
