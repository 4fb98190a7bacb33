package dev.racetrack.web.session;

import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.annotation.Scheduled;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.ClientQuota;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.NotFoundException;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RejectionMetrics;
import dev.racetrack.web.shared.Runs;

/**
 * The sessions of one instance, in memory, by id and by join code (the default
 * {@link SessionStore}: no Redis configured). Each {@link LabSession} is the session
 * itself: the {@link Playback} rules are applied to it under its lock, its ticker runs
 * here, and its sink is the fan-out. Sessions are bounded in number, in total and per
 * client address, expire when idle, and live at most
 * {@code racetrack.session-max-lifetime} (a stream that never reads cannot keep one
 * forever).
 */
class InMemorySessionStore implements SessionStore, DisposableBean {

	private final Map<String, LabSession> byId = new ConcurrentHashMap<>();

	private final Map<String, LabSession> byCode = new ConcurrentHashMap<>();

	private final Runs runs;

	private final RacetrackProperties properties;

	private final Clock clock;

	private final Scheduler scheduler = Schedulers.newSingle("racetrack-sessions", true);

	private final ClientQuota quota;

	private final List<Consumer<LabSession>> onCreate = new CopyOnWriteArrayList<>();

	InMemorySessionStore(Runs runs, RacetrackProperties properties, RejectionMetrics metrics) {
		this.runs = runs;
		this.properties = properties;
		this.clock = Clock.systemUTC();
		this.quota = new ClientQuota("sessions", "live sessions", properties.maxSessions(),
				properties.maxSessionsPerClient(), metrics);
	}

	@Override
	public void onCreate(Consumer<LabSession> listener) {
		this.onCreate.add(listener);
	}

	@Override
	public Mono<LabSession> create(RunParams params, String client) {
		return Mono.fromCallable(() -> createNow(params, client)).subscribeOn(Schedulers.boundedElastic());
	}

	private LabSession createNow(RunParams params, String client) {
		if (this.quota.held() >= this.properties.maxSessions()) {
			sweep();
		}
		Lease slot = this.quota.acquire(client);
		try {
			String token = SessionIds.controlToken();
			LabSession session = newSession(SessionIds.id(), newCode(), token, LabSession.hash(token), params);
			session.holdSlot(slot);
			this.byId.put(session.id(), session);
			this.byCode.put(session.code(), session);
			this.onCreate.forEach((l) -> l.accept(session));
			return session;
		}
		catch (RuntimeException ex) {
			slot.release();
			throw ex;
		}
	}

	private LabSession newSession(String id, String code, String token, String tokenHash, RunParams params) {
		Runs.Held held = this.runs.tracedNow(params);
		try {
			return new LabSession(id, code, token, tokenHash, params, held.run(), this.scheduler, this.clock.millis(),
					this.properties.audienceInterval().toMillis());
		}
		finally {
			held.lease().release();
		}
	}

	@Override
	public Mono<LabSession> byId(String id) {
		return Mono.justOrEmpty(this.byId.get(id));
	}

	@Override
	public Mono<LabSession> byCode(String code) {
		return Mono.justOrEmpty(this.byCode.get(code));
	}

	@Override
	public Collection<LabSession> all() {
		return List.copyOf(this.byId.values());
	}

	@Override
	public int size() {
		return this.byId.size();
	}

	void remove(LabSession session) {
		// Only this session: a replaced session's id and code already name its successor.
		this.byId.remove(session.id(), session);
		this.byCode.remove(session.code(), session);
		session.close();
	}

	@Override
	public Mono<LabSession> replace(LabSession old, RunParams params) {
		if (old.params().equals(params)) {
			return Mono.just(old);
		}
		return Mono.fromCallable(() -> {
			LabSession next = newSession(old.id(), old.code(), old.token(), old.tokenHash(), params);
			synchronized (this) {
				if (!this.byId.replace(old.id(), old, next)) {
					throw new NotFoundException("session", "Session " + old.id() + " has ended; start a new one.");
				}
				this.byCode.put(old.code(), next);
			}
			next.holdSlot(old.takeSlot());
			this.onCreate.forEach((l) -> l.accept(next));
			old.replacedBy(params);
			return next;
		}).subscribeOn(Schedulers.boundedElastic());
	}

	@Override
	public Mono<Playback> control(LabSession session, Playback.Action action, double value) {
		return Mono.fromSupplier(() -> {
			synchronized (session) {
				Playback.Outcome outcome = session.playback().apply(action, value, session);
				session.apply(outcome, session.version() + 1);
				schedule(session);
				return outcome.next();
			}
		});
	}

	/** Runs the ticker while the session plays (the next tick after its delay). */
	private void schedule(LabSession session) {
		synchronized (session) {
			if (!session.playback().ticking(session) || session.isClosed()) {
				session.ticker(null);
				return;
			}
			session.ticker(this.scheduler.schedule(() -> tick(session), session.delayMillis(), TimeUnit.MILLISECONDS));
		}
	}

	private void tick(LabSession session) {
		synchronized (session) {
			Playback.Outcome outcome = session.playback().tick(session);
			if (outcome.changed(session.playback())) {
				session.apply(outcome, session.version() + 1);
			}
			schedule(session);
		}
	}

	@Override
	public Mono<Boolean> join(LabSession session, String follower, int max) {
		return Mono.fromSupplier(() -> {
			if (!session.join(follower, max)) {
				return false;
			}
			tellAudience(session);
			return true;
		});
	}

	@Override
	public Mono<LabSession.Signal.Audience> presence(LabSession session, String follower, boolean detached) {
		return Mono.fromSupplier(() -> {
			if (!session.knowsFollower(follower)) {
				return null;
			}
			if (session.follower(follower, detached)) {
				tellAudience(session);
			}
			return new LabSession.Signal.Audience(session.localFollowers(), session.localDetached());
		});
	}

	@Override
	public void left(LabSession session, String follower) {
		if (session.followerGone(follower)) {
			tellAudience(session);
		}
		touch(session);
	}

	/**
	 * Tells the session its audience, the counts read and handed over under the session's
	 * lock: a join and a detach on two threads could otherwise read in one order and tell
	 * in the other, leaving the older counts as the last word.
	 */
	private void tellAudience(LabSession session) {
		synchronized (session) {
			session.audience(session.localFollowers(), session.localDetached());
		}
	}

	@Override
	public void touch(LabSession session) {
		session.touch(this.clock.millis());
	}

	/**
	 * Removes sessions nobody has watched or controlled for
	 * {@code racetrack.session-idle}.
	 */
	@Scheduled(fixedDelayString = "${racetrack.session-sweep:30s}")
	void sweep() {
		long now = this.clock.millis();
		long cutoff = now - this.properties.sessionIdle().toMillis();
		long born = now - this.properties.sessionMaxLifetime().toMillis();
		for (LabSession s : all()) {
			if ((s.streams().get() == 0 && s.lastActivityMillis() < cutoff) || s.createdMillis() < born) {
				remove(s);
			}
		}
	}

	/**
	 * Ends every session. The ticker's scheduler lives on ({@link #destroy()} ends it): a
	 * context stopped and started again (as the test framework pauses cached contexts)
	 * plays sessions again; disposing it here left every later session's play stuck at
	 * its first step.
	 */
	@Override
	public void closeAll() {
		for (LabSession s : all()) {
			remove(s);
		}
	}

	@Override
	public void destroy() {
		this.scheduler.dispose();
	}

	private String newCode() {
		while (true) {
			String code = SessionIds.code();
			if (!this.byCode.containsKey(code)) {
				return code;
			}
		}
	}

}
