package dev.racetrack.web.session;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.web.lab.Pacing;
import dev.racetrack.web.shared.Runs;

/**
 * One paced playback of a run. It holds only its parameters, its cursor (the last step
 * sent), its play state, its audience and a bit per step (which steps are minor); the run
 * comes from {@link Runs}, which can rebuild it from the parameters. Every change is
 * broadcast once on a hot sink, rendered once for all of the session's streams (the
 * presenter's and the followers') by {@link SessionStreams}.
 */
final class LabSession {

	/** What a session broadcasts. */
	sealed interface Signal {

		/** The cursor moved forward by one: the event at {@code step}. */
		record Step(long step) implements Signal {
		}

		/** The cursor jumped (seek, back): clients redraw from a snapshot. */
		record Snapshot(long step) implements Signal {
		}

		/** Playing, paused, or a new speed. */
		record PlayState() implements Signal {
		}

		/** Playback paused by itself at a guided beat. */
		record Beat(long step, String text) implements Signal {
		}

		/** The last step was sent. */
		record End() implements Signal {
		}

		/** The audience changed: followers connected, left, detached or snapped back. */
		record Audience() implements Signal {
		}

		/** The presenter opened another run under this session's id and code. */
		record Replaced(RunParams params) implements Signal {
		}

	}

	private final String id;

	private final String code;

	private final String token;

	private final RunParams params;

	private final long total;

	private final Map<Long, String> beats = new HashMap<>();

	private final List<Beats.Beat> beatList;

	private final Scheduler scheduler;

	private final Sinks.Many<Signal> sink = Sinks.many().multicast().directBestEffort();

	private final Sinks.Empty<Void> closed = Sinks.empty();

	private final AtomicInteger streams = new AtomicInteger();

	private final AtomicInteger presenterStreams = new AtomicInteger();

	/** The connected followers, and whether each is detached. */
	private final Map<String, Boolean> detached = new HashMap<>();

	private int detachedCount;

	/** Which steps are minor (played faster): read by the ticker without the run. */
	private final java.util.BitSet minor;

	private final long createdMillis;

	private final long audienceIntervalMillis;

	private boolean audiencePending;

	private long lastAudienceMillis;

	private java.util.function.LongSupplier clock = System::currentTimeMillis;

	private dev.racetrack.web.shared.Lease slot = dev.racetrack.web.shared.Lease.NONE;

	private long cursor = -1;

	private boolean playing;

	private double speed = 1;

	private Disposable ticker;

	private volatile long lastActivityMillis;

	/**
	 * A session of {@code run} (which it reads once, for its length, its beats and which
	 * steps are minor, and does not keep).
	 */
	LabSession(String id, String code, String token, RunParams params, NodeRun run, Scheduler scheduler, long nowMillis,
			long audienceIntervalMillis) {
		this.id = id;
		this.code = code;
		this.token = token;
		this.params = params;
		this.scheduler = scheduler;
		boolean replay = Scenarios.byId(params.scenario()).map(Scenario::replay).orElse(false);
		List<TraceEvent> events = run.trace().events();
		this.total = events.size();
		this.beatList = replay ? Beats.of(events) : List.of();
		this.beatList.forEach((b) -> this.beats.put(b.step(), b.text()));
		this.minor = new java.util.BitSet(events.size());
		for (int i = 0; i < events.size(); i++) {
			if (Pacing.MINOR.contains(events.get(i).type())) {
				this.minor.set(i);
			}
		}
		this.lastActivityMillis = nowMillis;
		this.createdMillis = nowMillis;
		this.audienceIntervalMillis = audienceIntervalMillis;
	}

	/** The slot this session holds in its creator's quota, given back when it closes. */
	void holdSlot(dev.racetrack.web.shared.Lease slot) {
		this.slot = slot;
	}

	/** Hands this session's quota slot over to its successor. */
	synchronized dev.racetrack.web.shared.Lease takeSlot() {
		dev.racetrack.web.shared.Lease s = this.slot;
		this.slot = dev.racetrack.web.shared.Lease.NONE;
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

	String token() {
		return this.token;
	}

	RunParams params() {
		return this.params;
	}

	List<Beats.Beat> beats() {
		return this.beatList;
	}

	long total() {
		return this.total;
	}

	Sinks.Many<Signal> sink() {
		return this.sink;
	}

	synchronized long cursor() {
		return this.cursor;
	}

	synchronized boolean playing() {
		return this.playing;
	}

	synchronized double speed() {
		return this.speed;
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

	synchronized int followers() {
		return this.detached.size();
	}

	synchronized int detachedCount() {
		return this.detachedCount;
	}

	/**
	 * A follower joins, if there is room for one more of {@code max}; the audience is
	 * told (coalesced).
	 */
	synchronized boolean join(String followerId, int max) {
		if (this.detached.size() >= max) {
			return false;
		}
		this.detached.put(followerId, false);
		audienceChanged();
		return true;
	}

	/** A follower detaches or follows again; the audience is told (coalesced). */
	synchronized void follower(String followerId, boolean isDetached) {
		Boolean was = this.detached.replace(followerId, isDetached);
		if (was != null && was != isDetached) {
			this.detachedCount += isDetached ? 1 : -1;
			audienceChanged();
		}
	}

	synchronized boolean knowsFollower(String followerId) {
		return this.detached.containsKey(followerId);
	}

	synchronized void followerGone(String followerId) {
		Boolean was = this.detached.remove(followerId);
		if (was != null) {
			if (was) {
				this.detachedCount--;
			}
			audienceChanged();
		}
	}

	/**
	 * Tells the streams that the audience changed, at most once per
	 * {@code racetrack.audience-interval}: a hall of 2,000 joining (or reconnecting after
	 * the Wi-Fi dropped) costs a few updates a second, not one per follower per follower.
	 */
	private void audienceChanged() {
		if (this.audiencePending) {
			return;
		}
		long now = this.clock.getAsLong();
		long wait = this.lastAudienceMillis + this.audienceIntervalMillis - now;
		if (wait <= 0) {
			this.lastAudienceMillis = now;
			emit(new Signal.Audience());
			return;
		}
		this.audiencePending = true;
		this.scheduler.schedule(() -> {
			synchronized (this) {
				this.audiencePending = false;
				this.lastAudienceMillis = this.clock.getAsLong();
				emit(new Signal.Audience());
			}
		}, wait, TimeUnit.MILLISECONDS);
	}

	/** The beat at a step, or {@code null}. */
	String beatAt(long step) {
		return this.beats.get(step);
	}

	synchronized void play() {
		if (this.cursor >= total() - 1) {
			this.cursor = -1;
			emit(new Signal.Snapshot(-1));
		}
		this.playing = true;
		emit(new Signal.PlayState());
		schedule();
	}

	synchronized void pause() {
		this.playing = false;
		cancelTicker();
		emit(new Signal.PlayState());
	}

	synchronized void step() {
		if (this.playing) {
			pause();
		}
		advance();
	}

	synchronized void back() {
		if (this.playing) {
			pause();
		}
		seekTo(this.cursor - 1);
	}

	synchronized void seek(long step) {
		seekTo(step);
	}

	synchronized void speed(double factor) {
		this.speed = Pacing.clamp(factor);
		emit(new Signal.PlayState());
		if (this.playing) {
			cancelTicker();
			schedule();
		}
	}

	/** Stops the ticker for good (the session is being removed); its streams complete. */
	synchronized void close() {
		this.playing = false;
		cancelTicker();
		this.slot.release();
		this.sink.tryEmitComplete();
		this.closed.tryEmitEmpty();
	}

	/**
	 * Tells this session's streams that another session took its id and code, then ends
	 * them (their clients reconnect to the new one).
	 */
	synchronized void replacedBy(LabSession next) {
		emit(new Signal.Replaced(next.params()));
		close();
	}

	/** Completes when the session ends. */
	reactor.core.publisher.Mono<Void> closed() {
		return this.closed.asMono();
	}

	private void seekTo(long step) {
		this.cursor = Math.max(-1, Math.min(step, total() - 1));
		emit(new Signal.Snapshot(this.cursor));
	}

	private void advance() {
		if (this.cursor >= total() - 1) {
			if (this.playing) {
				this.playing = false;
				emit(new Signal.PlayState());
			}
			return;
		}
		this.cursor++;
		emit(new Signal.Step(this.cursor));
		String beat = this.beats.get(this.cursor);
		if (beat != null && this.playing) {
			this.playing = false;
			cancelTicker();
			emit(new Signal.Beat(this.cursor, beat));
			emit(new Signal.PlayState());
		}
		if (this.cursor == total() - 1) {
			emit(new Signal.End());
			if (this.playing) {
				this.playing = false;
				emit(new Signal.PlayState());
			}
		}
	}

	private void schedule() {
		if (!this.playing || this.cursor >= total() - 1) {
			return;
		}
		long delay = Pacing.delayMillis(this.minor.get((int) (this.cursor + 1)), this.speed);
		this.ticker = this.scheduler.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
	}

	private synchronized void tick() {
		if (!this.playing) {
			return;
		}
		advance();
		schedule();
	}

	private void cancelTicker() {
		if (this.ticker != null) {
			this.ticker.dispose();
			this.ticker = null;
		}
	}

	private void emit(Signal signal) {
		this.sink.tryEmitNext(signal);
	}

}
