package dev.racetrack.web.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.web.lab.Pacing;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.Runs;

/**
 * One paced playback of a run, as this instance knows it. It holds only its parameters,
 * its {@link Playback} (cursor, play state, speed), its audience and a bit per step
 * (which steps are minor); the run comes from {@link Runs}, which can rebuild it from the
 * parameters. Every change is broadcast once on a hot sink, rendered once for all of the
 * session's streams on this instance (the presenter's and the followers') by
 * {@link SessionStreams}.
 *
 * <p>
 * Who changes it is the {@link SessionStore}: in memory, this object is the session and
 * the store applies the {@link Playback} rules to it under its lock; with Redis, the
 * session lives in Redis and this object is the instance's copy, which the store updates
 * from the session's channel (the same signals, in the same order, on every instance).
 */
final class LabSession implements Playback.Course {

	/** What a session broadcasts. */
	sealed interface Signal {

		/** The cursor moved forward by one: the event at {@code step}. */
		record Step(long step) implements Signal {
		}

		/** The cursor jumped (seek, back, a resync): clients redraw from a snapshot. */
		record Snapshot(long step, boolean playing, double speed) implements Signal {
		}

		/** Playing, paused, or a new speed. */
		record PlayState(boolean playing, double speed, long step) implements Signal {
		}

		/** Playback paused by itself at a guided beat. */
		record Beat(long step, String text) implements Signal {
		}

		/** The last step was sent. */
		record End() implements Signal {
		}

		/** The audience changed: followers connected, left, detached or snapped back. */
		record Audience(int followers, int detached) implements Signal {
		}

		/** The presenter opened another run under this session's id and code. */
		record Replaced(RunParams params) implements Signal {
		}

	}

	private final String id;

	private final String code;

	/** The control token, known only where the session was created (else null). */
	private final String token;

	private final String tokenHash;

	private final RunParams params;

	private final long total;

	private final Map<Long, String> beats = new HashMap<>();

	private final List<Beats.Beat> beatList;

	/** The idle steps of a replay, which playback hurries through ({@link Pacing}). */
	private final BitSet idle = new BitSet();

	private final Scheduler scheduler;

	private final Sinks.Many<Signal> sink = Sinks.many().multicast().directBestEffort();

	private final Sinks.Empty<Void> closed = Sinks.empty();

	private final AtomicInteger streams = new AtomicInteger();

	private final AtomicInteger presenterStreams = new AtomicInteger();

	/** The followers connected to this instance, and whether each is detached. */
	private final Map<String, Boolean> detached = new HashMap<>();

	/** Which steps are minor (played faster): read by the ticker without the run. */
	private final BitSet minor;

	private final long createdMillis;

	private final long audienceIntervalMillis;

	private boolean audiencePending;

	private long lastAudienceMillis;

	private LongSupplier clock = System::currentTimeMillis;

	private Lease slot = Lease.NONE;

	private Playback playback = Playback.START;

	/** The version of the playback this copy has (Redis: the session's version). */
	private long version;

	/** The whole audience (with Redis: on every instance). */
	private int audienceFollowers;

	private int audienceDetached;

	private Disposable ticker;

	private volatile boolean isClosed;

	private volatile long lastActivityMillis;

	/**
	 * A session of {@code run} (which it reads once, for its length, its beats and which
	 * steps are minor, and does not keep).
	 */
	LabSession(String id, String code, String token, String tokenHash, RunParams params, NodeRun run,
			Scheduler scheduler, long nowMillis, long audienceIntervalMillis) {
		this.id = id;
		this.code = code;
		this.token = token;
		this.tokenHash = tokenHash;
		this.params = params;
		this.scheduler = scheduler;
		boolean replay = Scenarios.byId(params.scenario()).map(Scenario::replay).orElse(false);
		List<TraceEvent> events = run.trace().events();
		this.total = events.size();
		this.beatList = replay ? Beats.of(events) : List.of();
		this.beatList.forEach((b) -> this.beats.put(b.step(), b.text()));
		this.minor = new BitSet(events.size());
		for (int i = 0; i < events.size(); i++) {
			if (Pacing.MINOR.contains(events.get(i).type())) {
				this.minor.set(i);
			}
		}
		if (replay) {
			Beats.idle(events).forEach((span) -> this.idle.set((int) span.from(), (int) span.to() + 1));
		}
		this.lastActivityMillis = nowMillis;
		this.createdMillis = nowMillis;
		this.audienceIntervalMillis = audienceIntervalMillis;
	}

	/** The SHA-256 of a control token, hex: what a session keeps to check one. */
	static String hash(String token) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Whether {@code token} controls this session (compared in constant time). */
	boolean authorizes(String token) {
		return MessageDigest.isEqual(hash(token).getBytes(StandardCharsets.US_ASCII),
				this.tokenHash.getBytes(StandardCharsets.US_ASCII));
	}

	/** The slot this session holds in its creator's quota, given back when it closes. */
	void holdSlot(Lease slot) {
		this.slot = slot;
	}

	/** Hands this session's quota slot over to its successor. */
	synchronized Lease takeSlot() {
		Lease s = this.slot;
		this.slot = Lease.NONE;
		return s;
	}

	long createdMillis() {
		return this.createdMillis;
	}

	String id() {
		return this.id;
	}

	String code() {
		return this.code;
	}

	/** The control token, where this instance created the session; else null. */
	String token() {
		return this.token;
	}

	String tokenHash() {
		return this.tokenHash;
	}

	RunParams params() {
		return this.params;
	}

	List<Beats.Beat> beats() {
		return this.beatList;
	}

	@Override
	public long total() {
		return this.total;
	}

	Sinks.Many<Signal> sink() {
		return this.sink;
	}

	synchronized Playback playback() {
		return this.playback;
	}

	synchronized long version() {
		return this.version;
	}

	synchronized long cursor() {
		return this.playback.cursor();
	}

	synchronized boolean playing() {
		return this.playback.playing();
	}

	synchronized double speed() {
		return this.playback.speed();
	}

	long lastActivityMillis() {
		return this.lastActivityMillis;
	}

	void touch(long nowMillis) {
		this.lastActivityMillis = nowMillis;
	}

	AtomicInteger streams() {
		return this.streams;
	}

	AtomicInteger presenterStreams() {
		return this.presenterStreams;
	}

	/** The followers of the whole session. */
	synchronized int followers() {
		return this.audienceFollowers;
	}

	/** The detached followers of the whole session. */
	synchronized int detachedCount() {
		return this.audienceDetached;
	}

	/** The followers connected to this instance. */
	synchronized int localFollowers() {
		return this.detached.size();
	}

	/**
	 * A follower joins this instance, if there is room for one more of {@code max}.
	 */
	synchronized boolean join(String followerId, int max) {
		if (this.detached.size() >= max) {
			return false;
		}
		this.detached.put(followerId, false);
		return true;
	}

	/** A follower of this instance detaches or follows again; whether it changed. */
	synchronized boolean follower(String followerId, boolean isDetached) {
		Boolean was = this.detached.replace(followerId, isDetached);
		return was != null && was != isDetached;
	}

	synchronized boolean knowsFollower(String followerId) {
		return this.detached.containsKey(followerId);
	}

	synchronized boolean isDetached(String followerId) {
		return Boolean.TRUE.equals(this.detached.get(followerId));
	}

	/** A follower left this instance; whether it was here. */
	synchronized boolean followerGone(String followerId) {
		return this.detached.remove(followerId) != null;
	}

	/** The detached followers among this instance's. */
	synchronized int localDetached() {
		return (int) this.detached.values().stream().filter(Boolean::booleanValue).count();
	}

	/**
	 * The audience is now {@code followers}, {@code detached}: the streams are told, at
	 * most once per {@code racetrack.audience-interval} (a hall of 2,000 joining, or
	 * reconnecting after the Wi-Fi dropped, costs a few updates a second, not one per
	 * follower per follower).
	 */
	synchronized void audience(int followers, int detached) {
		if (this.isClosed) {
			return;
		}
		this.audienceFollowers = followers;
		this.audienceDetached = detached;
		if (this.audiencePending) {
			return;
		}
		long now = this.clock.getAsLong();
		long wait = this.lastAudienceMillis + this.audienceIntervalMillis - now;
		if (wait <= 0) {
			this.lastAudienceMillis = now;
			emit(new Signal.Audience(followers, detached));
			return;
		}
		this.audiencePending = true;
		this.scheduler.schedule(() -> {
			synchronized (this) {
				this.audiencePending = false;
				this.lastAudienceMillis = this.clock.getAsLong();
				emit(new Signal.Audience(this.audienceFollowers, this.audienceDetached));
			}
		}, wait, TimeUnit.MILLISECONDS);
	}

	/** The beat at a step, or {@code null}. */
	@Override
	public String beatAt(long step) {
		return this.beats.get(step);
	}

	/**
	 * Takes the next playback and broadcasts its signals, in order ({@code version}: the
	 * version it has).
	 */
	synchronized void apply(Playback.Outcome outcome, long version) {
		if (this.isClosed) {
			return;
		}
		this.playback = outcome.next();
		this.version = version;
		for (Signal s : outcome.signals()) {
			emit(s);
		}
	}

	/**
	 * How long to wait before the next step at this playback, by the {@link Pacing} rules
	 * (read off the bits of minor and idle steps, without the run).
	 */
	synchronized long delayMillis() {
		return delayMillis(this.playback);
	}

	/** How long to wait before the step after {@code p}. */
	long delayMillis(Playback p) {
		long next = p.cursor() + 1;
		boolean inRun = next < this.total;
		return Pacing.delayMillis(inRun && this.minor.get((int) next), p.speed(), inRun && this.idle.get((int) next));
	}

	/** Keeps the ticker the store scheduled, cancelling the previous one. */
	synchronized void ticker(Disposable next) {
		if (this.ticker != null && this.ticker != next) {
			this.ticker.dispose();
		}
		this.ticker = next;
	}

	synchronized boolean ticking() {
		return this.ticker != null && !this.ticker.isDisposed();
	}

	boolean isClosed() {
		return this.isClosed;
	}

	/** Stops the ticker for good (the session is being removed); its streams complete. */
	synchronized void close() {
		if (this.isClosed) {
			return;
		}
		this.isClosed = true;
		ticker(null);
		this.slot.release();
		this.sink.tryEmitComplete();
		this.closed.tryEmitEmpty();
	}

	/**
	 * Tells this session's streams that another run took its id and code, then ends them
	 * (their clients reconnect to the new one).
	 */
	synchronized void replacedBy(RunParams next) {
		if (this.isClosed) {
			return;
		}
		emit(new Signal.Replaced(next));
		close();
	}

	/** Completes when the session ends. */
	Mono<Void> closed() {
		return this.closed.asMono();
	}

	private void emit(Signal signal) {
		this.sink.tryEmitNext(signal);
	}

}
