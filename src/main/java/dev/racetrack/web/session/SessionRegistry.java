package dev.racetrack.web.session;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.ClientQuota;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.NotFoundException;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RejectionMetrics;
import dev.racetrack.web.shared.Runs;

/**
 * The live sessions of this instance, by id and by join code, and their fan-out. This is
 * the seam src/docs/PRODUCT.md §4 asks for: session state (parameters, cursor, play
 * state) and the broadcast of its changes go through this one class, kept in memory here;
 * an instance behind a load balancer with a Redis pub/sub would replace it (with the
 * session's sink of signals). Sessions are bounded in number, in total and per client
 * address, expire when idle, and live at most {@code racetrack.session-max-lifetime} (a
 * stream that never reads cannot keep one forever).
 */
@Component
class SessionRegistry {

	/** Join codes avoid look-alikes (0/O, 1/I/L): easy to read aloud and to type. */
	static final String CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

	static final int CODE_LENGTH = 6;

	private final Map<String, LabSession> byId = new ConcurrentHashMap<>();

	private final Map<String, LabSession> byCode = new ConcurrentHashMap<>();

	private final SecureRandom random = new SecureRandom();

	private final Runs runs;

	private final RacetrackProperties properties;

	private final Clock clock;

	private final Scheduler scheduler = Schedulers.newSingle("racetrack-sessions", true);

	private final ClientQuota quota;

	private final List<java.util.function.Consumer<LabSession>> onCreate = new java.util.concurrent.CopyOnWriteArrayList<>();

	SessionRegistry(Runs runs, RacetrackProperties properties, RejectionMetrics metrics) {
		this.runs = runs;
		this.properties = properties;
		this.clock = Clock.systemUTC();
		this.quota = new ClientQuota("sessions", "live sessions", properties.maxSessions(),
				properties.maxSessionsPerClient(), metrics);
	}

	/** Calls {@code listener} with every session created (the streams' renderer). */
	void onCreate(java.util.function.Consumer<LabSession> listener) {
		this.onCreate.add(listener);
	}

	/**
	 * A new session of a run for {@code client}: its run is computed (or found) through
	 * the run admission, and the session takes a slot of the client's quota; 429 when
	 * either is full. Blocks: call it off the event loop.
	 */
	LabSession create(RunParams params, String client) {
		if (this.quota.held() >= this.properties.maxSessions()) {
			sweep();
		}
		Lease slot = this.quota.acquire(client);
		try {
			Runs.Held held = this.runs.tracedNow(params);
			LabSession session;
			try {
				session = new LabSession(newToken(12), newCode(), newToken(24), params, held.run(), this.scheduler,
						this.clock.millis(), this.properties.audienceInterval().toMillis());
			}
			finally {
				held.lease().release();
			}
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

	Optional<LabSession> byId(String id) {
		return Optional.ofNullable(this.byId.get(id));
	}

	Optional<LabSession> byCode(String code) {
		return Optional.ofNullable(this.byCode.get(code));
	}

	Collection<LabSession> all() {
		return List.copyOf(this.byId.values());
	}

	int size() {
		return this.byId.size();
	}

	long nowMillis() {
		return this.clock.millis();
	}

	void remove(LabSession session) {
		// Only this session: a replaced session's id and code already name its successor.
		this.byId.remove(session.id(), session);
		this.byCode.remove(session.code(), session);
		session.close();
	}

	/**
	 * The presenter opened another run: a new session of it takes over the old one's id,
	 * code and token, so followers stay with the presenter. The old session tells its
	 * streams ({@code session-changed}) and ends them; clients reconnect to the new one.
	 * The same parameters leave the session as it is.
	 */
	LabSession replace(LabSession old, RunParams params) {
		if (old.params().equals(params)) {
			return old;
		}
		Runs.Held held = this.runs.tracedNow(params);
		LabSession next;
		try {
			next = new LabSession(old.id(), old.code(), old.token(), params, held.run(), this.scheduler,
					this.clock.millis(), this.properties.audienceInterval().toMillis());
		}
		finally {
			held.lease().release();
		}
		synchronized (this) {
			if (!this.byId.replace(old.id(), old, next)) {
				throw new NotFoundException("session", "Session " + old.id() + " has ended; start a new one.");
			}
			this.byCode.put(old.code(), next);
		}
		next.holdSlot(old.takeSlot());
		this.onCreate.forEach((l) -> l.accept(next));
		old.replacedBy(next);
		return next;
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
	 * Ends every session: their streams complete, so a graceful shutdown is not held up.
	 */
	void closeAll() {
		for (LabSession s : all()) {
			remove(s);
		}
		this.scheduler.dispose();
	}

	private String newCode() {
		while (true) {
			StringBuilder sb = new StringBuilder(CODE_LENGTH);
			for (int i = 0; i < CODE_LENGTH; i++) {
				sb.append(CODE_ALPHABET.charAt(this.random.nextInt(CODE_ALPHABET.length())));
			}
			String code = sb.toString();
			if (!this.byCode.containsKey(code)) {
				return code;
			}
		}
	}

	private String newToken(int bytes) {
		byte[] b = new byte[bytes];
		this.random.nextBytes(b);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
	}

}
