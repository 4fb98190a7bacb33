package dev.racetrack.web.session;

import java.util.Collection;
import java.util.function.Consumer;

import reactor.core.publisher.Mono;

import dev.racetrack.scenario.RunParams;

/**
 * Session state and its fan-out: the one seam src/docs/PRODUCT.md §4 asks for. A session
 * is its parameters, seed, cursor, play state, token hash, join code and audience; every
 * change to it is broadcast, in order, to each of its streams.
 *
 * <p>
 * Two implementations: {@link InMemorySessionStore} (the default: one instance, state in
 * memory) and {@link RedisSessionStore} (when {@code spring.data.redis.url} is set: state
 * in Redis with the idle expiry as its TTL, changes published on a channel per session,
 * so any instance serves any request). Both apply the same {@link Playback} rules; the
 * controllers see no difference.
 *
 * <p>
 * Methods that may wait on Redis return a {@link Mono}; a Redis that cannot be reached
 * fails them with a 503 ({@code ServiceUnavailableException}).
 */
interface SessionStore {

	/**
	 * A new session of a run for {@code client}: the run is computed (or found) through
	 * the run admission; 429 when this instance's limits are reached.
	 */
	Mono<LabSession> create(RunParams params, String client);

	/** The session with this id, or empty. */
	Mono<LabSession> byId(String id);

	/** The session with this (normalized) join code, or empty. */
	Mono<LabSession> byCode(String code);

	/**
	 * The presenter opened another run: the session keeps its id, code and token (its
	 * followers stay); its streams get {@code session-changed} and end, and clients
	 * reconnect to the new run. The same parameters change nothing.
	 */
	Mono<LabSession> replace(LabSession old, RunParams params);

	/** Applies a presenter's action; the playback after it. */
	Mono<Playback> control(LabSession session, Playback.Action action, double value);

	/**
	 * A follower joins (false when this instance already serves {@code max} followers of
	 * the session).
	 */
	Mono<Boolean> join(LabSession session, String follower, int max);

	/**
	 * A follower detaches or follows again; the audience after it, or empty when no such
	 * follower is connected.
	 */
	Mono<LabSession.Signal.Audience> presence(LabSession session, String follower, boolean detached);

	/** A follower's stream ended. */
	void left(LabSession session, String follower);

	/** Someone watched or controlled the session: its idle expiry starts again. */
	void touch(LabSession session);

	/** Calls {@code listener} with every session object this instance makes. */
	void onCreate(Consumer<LabSession> listener);

	/** The sessions this instance holds now. */
	Collection<LabSession> all();

	/** How many sessions this instance holds now. */
	default int size() {
		return all().size();
	}

	/**
	 * Ends this instance's streams of every session, so a graceful shutdown is not held
	 * up (with Redis, the sessions themselves live on).
	 */
	void closeAll();

}
