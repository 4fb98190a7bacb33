package dev.racetrack.web.session;

import java.util.HashMap;
import java.util.LinkedHashMap;
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
import dev.racetrack.sim.LabState;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.TraceFolder;
import dev.racetrack.web.lab.Pacing;
import dev.racetrack.web.shared.Runs;

/**
 * One paced playback of a run. It holds only its parameters, its cursor (the last step
 * sent) and its play state; the run comes from {@link Runs}, which can rebuild it from
 * the parameters. Every change is broadcast once on a hot sink to all of the session's
 * streams (the presenter's and the followers'), which render it for their own client
 * ({@link SessionStreams}).
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

	private final java.util.function.Supplier<NodeRun> run;

	private final long total;

	private final Map<Long, String> beats = new HashMap<>();

	private final List<Beats.Beat> beatList;

	/** The idle steps of a replay, which playback hurries through ({@link Pacing}). */
	private final java.util.BitSet idle = new java.util.BitSet();

	private final Scheduler scheduler;

	private final Sinks.Many<Signal> sink = Sinks.many().multicast().directBestEffort();

	private final Sinks.Empty<Void> closed = Sinks.empty();

	private final Map<Long, LabState> snapshots = new LinkedHashMap<>(8, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<Long, LabState> eldest) {
			return size() > 8;
		}
	};

	private final Map<String, String> rendered = new LinkedHashMap<>(32, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
			return size() > 32;
		}
	};

	private final AtomicInteger streams = new AtomicInteger();

	private final AtomicInteger followers = new AtomicInteger();

	private final Map<String, Boolean> detached = new HashMap<>();

	private long cursor = -1;

	private boolean playing;

	private double speed = 1;

	private Disposable ticker;

	private volatile long lastActivityMillis;

	LabSession(String id, String code, String token, RunParams params, java.util.function.Supplier<NodeRun> run,
			Scheduler scheduler, long nowMillis) {
		this.id = id;
		this.code = code;
		this.token = token;
		this.params = params;
		this.run = run;
		this.scheduler = scheduler;
		boolean replay = Scenarios.byId(params.scenario()).map(Scenario::replay).orElse(false);
		List<TraceEvent> events = run.get().trace().events();
		this.total = events.size();
		this.beatList = replay ? Beats.of(events) : List.of();
		this.beatList.forEach((b) -> this.beats.put(b.step(), b.text()));
		if (replay) {
			Beats.idle(events).forEach((span) -> this.idle.set((int) span.from(), (int) span.to() + 1));
		}
		this.lastActivityMillis = nowMillis;
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

	/**
	 * The run, from the cache of runs (rebuilt from the parameters if it was evicted).
	 */
	NodeRun run() {
		return this.run.get();
	}

	List<Beats.Beat> beats() {
		return this.beatList;
	}

	List<TraceEvent> events() {
		return this.run.get().trace().events();
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

	int followers() {
		return this.followers.get();
	}

	AtomicInteger followerCount() {
		return this.followers;
	}

	synchronized int detachedCount() {
		return (int) this.detached.values().stream().filter(Boolean::booleanValue).count();
	}

	synchronized void follower(String followerId, boolean isDetached) {
		this.detached.put(followerId, isDetached);
		emit(new Signal.Audience());
	}

	synchronized boolean knowsFollower(String followerId) {
		return this.detached.containsKey(followerId);
	}

	synchronized void followerGone(String followerId) {
		this.detached.remove(followerId);
		emit(new Signal.Audience());
	}

	/**
	 * The state at a step, folded from the trace (cached for the last few steps asked).
	 */
	LabState stateAt(long step) {
		synchronized (this.snapshots) {
			return this.snapshots.computeIfAbsent(step, (s) -> TraceFolder.fold(events(), this.params.cpus(), s));
		}
	}

	/**
	 * A rendered payload, computed once for all of the session's streams (a thousand
	 * followers share one serialisation of each step).
	 */
	String rendered(String key, java.util.function.Supplier<String> render) {
		synchronized (this.rendered) {
			String text = this.rendered.get(key);
			if (text == null) {
				text = render.get();
				this.rendered.put(key, text);
			}
			return text;
		}
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
		TraceEvent next = events().get((int) (this.cursor + 1));
		long delay = Pacing.delayMillis(next.type(), this.speed, this.idle.get((int) next.seq()));
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
