package dev.racetrack.web.session;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.netty.channel.Channel;
import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;

import dev.racetrack.sim.LabState;
import dev.racetrack.sim.TraceFolder;
import dev.racetrack.web.shared.Backpressure;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RejectionMetrics;
import dev.racetrack.web.shared.Runs;
import dev.racetrack.web.shared.ServiceUnavailableException;
import dev.racetrack.web.shared.TooManyRequestsException;

/**
 * Renders each session's broadcast once, as the bytes of server-sent events, and writes
 * them to every client of the session: a snapshot first, then a {@code step} event per
 * step (its number: the event itself is in the run the client loaded once, from
 * {@code GET /api/simulate} with the session's parameters), with the SSE id set to the
 * step.
 *
 * <p>
 * Each signal of a session is rendered once, off the event loop, by the session's
 * {@link Broadcast}, and every client writes the same bytes (a hall of 2,000 shares one
 * serialisation of each step signal). Audience updates go to the presenter's streams only
 * (a follower's page does not show them), so a hall joining costs each follower nothing
 * but its own hello and snapshot. Rendering needs the run: it comes from {@link Runs},
 * through its admission, and is rebuilt there if it was evicted. Snapshots are rendered
 * when a client is about to be sent one, once for all clients that need the same one at
 * the same time, and kept in the {@link FrameCache}, bounded in bytes.
 *
 * <p>
 * Each client has a bounded buffer; a client that falls behind loses the oldest frames
 * and, on the next step it does get, receives a snapshot of that step instead of the
 * missing events. Frames are written only while the connection takes them, so a client
 * that stops reading holds one frame and Netty's high-water mark, not a queue. Heartbeats
 * keep proxies from closing idle streams; a client whose connection stays backed up
 * through {@code racetrack.sse-unread-heartbeats} heartbeats is cut off.
 */
@Component
class SessionStreams implements DisposableBean {

	private final JsonMapper json;

	private final RacetrackProperties properties;

	private final Duration heartbeat;

	private final RejectionMetrics metrics;

	private final Runs runs;

	private final FrameCache cache;

	private final Scheduler render = Schedulers
		.newBoundedElastic(Math.max(2, Runtime.getRuntime().availableProcessors()), 10_000, "session-render", 60, true);

	private final Map<LabSession, Broadcast> broadcasts = new ConcurrentHashMap<>();

	SessionStreams(JsonMapper json, RacetrackProperties properties, RejectionMetrics metrics, Runs runs,
			FrameCache cache, SessionStore sessions) {
		this.json = json;
		this.properties = properties;
		this.metrics = metrics;
		this.heartbeat = properties.sseHeartbeat();
		this.runs = runs;
		this.cache = cache;
		sessions.onCreate(this::broadcast);
	}

	/** The snapshot body: everything a client needs to draw a step. */
	record SnapshotView(long step, long t, long total, boolean playing, double speed, ParamsView params,
			@JsonRawValue String state) {
	}

	record PlayStateView(boolean playing, double speed, long step, long total) {
	}

	record BeatView(long step, String text) {
	}

	record AudienceView(int followers, int detached) {
	}

	/**
	 * What a session's broadcast sends: the bytes of one event, or a snapshot to fetch.
	 */
	record Frame(long step, boolean snapshot, boolean playing, double speed, byte[] bytes, boolean presenterOnly) {

		static Frame of(byte[] bytes) {
			return new Frame(-1, false, false, 0, bytes, false);
		}

	}

	/**
	 * Writes the stream of one client to {@code response}: {@code prelude} (events sent
	 * once before the snapshot, e.g. a follower's id), the snapshot at the session's
	 * cursor, then the session's frames, until the client or the session goes away.
	 * {@code slot} (the client's stream slot, its follower place) is given back, and
	 * {@code onEnd} called, when the stream ends, whatever ends it.
	 */
	Mono<Void> write(ServerHttpResponse response, LabSession session, boolean presenter, Flux<byte[]> prelude,
			Lease slot, Runnable onEnd) {
		Broadcast broadcast = broadcast(session);
		session.streams().incrementAndGet();
		response.getHeaders().setContentType(MediaType.TEXT_EVENT_STREAM);
		response.getHeaders().setCacheControl("no-cache");
		response.getHeaders().set("X-Accel-Buffering", "no");
		// Listen first, then read the cursor: nothing broadcast between the snapshot and
		// the first live frame can be missed (what is older than the snapshot is
		// skipped).
		Disposable[] connection = new Disposable[1];
		Flux<Frame> frames = listen(broadcast.frames.asFlux(), presenter, this.properties.sseBufferEvents(),
				(c) -> connection[0] = c);
		long[] last = { session.cursor() };
		Flux<byte[]> live = frames.concatMap((frame) -> resolve(broadcast, frame, last), 1);
		// Frames go out only while the connection takes them: a client that stops reading
		// holds at most Netty's high-water mark and one frame, never a queue of frames;
		// one that stays backed up for racetrack.sse-unread-heartbeats heartbeats is cut.
		Channel channel = Backpressure.channelOf(response);
		Duration patience = this.heartbeat.multipliedBy(Math.max(1, this.properties.sseUnreadHeartbeats()));
		Flux<byte[]> heartbeats = Flux.interval(this.heartbeat).map((tick) -> HEARTBEAT).onBackpressureDrop();
		// Heartbeats start once the snapshot is out: a client's first event is its
		// snapshot
		// (or its prelude).
		Flux<byte[]> body = Flux
			.concat(prelude, Mono.defer(() -> broadcast.snapshot(last[0])), Flux.merge(1, live, heartbeats))
			.concatMap(
					(bytes) -> Backpressure.writable(channel, patience, UnreadStreamException::new).thenReturn(bytes),
					1)
			.takeUntilOther(session.closed())
			.doOnNext((b) -> this.metrics.eventSent())
			.onErrorMap(UnreadStreamException.class, (ex) -> {
				// Cut the connection (an error after the head closes it), as a client
				// gone:
				// its unsent data is dropped, and nothing is logged as a server error.
				this.metrics.refused("streams", "unread");
				return new java.io.EOFException("the client read nothing for " + patience.toSeconds() + " s");
			});
		java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
		Runnable end = () -> {
			if (ended.compareAndSet(false, true)) {
				if (connection[0] != null) {
					connection[0].dispose();
				}
				if (channel != null && !channel.isWritable()) {
					// The stream ended (the session closed) with the client backed up:
					// cut it
					// rather than keep its unsent frames until it reads.
					channel.close();
				}
				session.streams().decrementAndGet();
				slot.release();
				onEnd.run();
			}
		};
		return response
			.writeAndFlushWith(
					body.doFinally((s) -> end.run()).map((bytes) -> Mono.just(response.bufferFactory().wrap(bytes))))
			.doFinally((s) -> end.run());
	}

	/**
	 * How many frames a stream keeps from the moment it listens until its prelude and
	 * snapshot are written and it takes frames itself: an audience update, a beat or a
	 * play state broadcast in that gap reaches it (a step older than the snapshot is
	 * skipped, and a gap in the steps brings a snapshot).
	 */
	static final int LISTEN_GAP_FRAMES = 32;

	/**
	 * One client's frames of a broadcast, listened to from now on ({@code connection} is
	 * handed the listening, to end it): kept, the last {@link #LISTEN_GAP_FRAMES} of
	 * them, until the client's stream takes them, then buffered, the newest
	 * {@code buffer} of them while the client's connection is slower than the session.
	 * ({@code publish().autoConnect(0)}, here before, dropped every frame broadcast while
	 * the stream was still writing its snapshot: a follower who joined then was never
	 * counted on the presenter's badge.)
	 */
	static Flux<Frame> listen(Flux<Frame> broadcast, boolean presenter, int buffer,
			java.util.function.Consumer<Disposable> connection) {
		return broadcast.filter((frame) -> presenter || !frame.presenterOnly())
			.replay(LISTEN_GAP_FRAMES)
			.autoConnect(0, connection)
			.onBackpressureBuffer(Math.max(4, buffer), (dropped) -> {
			}, BufferOverflowStrategy.DROP_OLDEST);
	}

	/** A client's connection stayed backed up through several heartbeats. */
	private static final class UnreadStreamException extends RuntimeException {

		UnreadStreamException() {
			super("unread stream", null, false, false);
		}

	}

	static final byte[] HEARTBEAT = sseBytes(null, "heartbeat", "{}");

	private Mono<byte[]> resolve(Broadcast broadcast, Frame frame, long[] last) {
		if (frame.snapshot()) {
			last[0] = frame.step();
			return broadcast.snapshot(frame.step(), frame.playing(), frame.speed());
		}
		if (frame.step() < 0) {
			return Mono.just(frame.bytes());
		}
		if (frame.step() <= last[0]) {
			return Mono.empty();
		}
		if (frame.step() != last[0] + 1) {
			last[0] = frame.step();
			return broadcast.snapshot(frame.step());
		}
		last[0] = frame.step();
		return Mono.just(frame.bytes());
	}

	/** The one broadcast of a session (made when the session is created). */
	Broadcast broadcast(LabSession session) {
		return this.broadcasts.computeIfAbsent(session, (s) -> {
			Broadcast b = new Broadcast(s);
			s.closed().doFinally((x) -> {
				this.broadcasts.remove(s);
				b.dispose();
			}).subscribe();
			return b;
		});
	}

	/** Renders one session's signals once, for all its clients. */
	final class Broadcast {

		private final LabSession session;

		final Sinks.Many<Frame> frames = Sinks.many().multicast().directBestEffort();

		private final Map<String, Mono<byte[]>> snapshotsInFlight = new ConcurrentHashMap<>();

		private final Disposable subscription;

		Broadcast(LabSession session) {
			this.session = session;
			this.subscription = session.sink().asFlux().onBackpressureBuffer(1024, (dropped) -> {
			}, BufferOverflowStrategy.DROP_OLDEST)
				.concatMap((signal) -> render(signal).onErrorResume((ex) -> Mono.empty()), 1)
				.subscribe((frame) -> {
					synchronized (this.frames) {
						this.frames.tryEmitNext(frame);
					}
				}, (ex) -> this.frames.tryEmitComplete(), this.frames::tryEmitComplete);
		}

		void dispose() {
			this.subscription.dispose();
		}

		private Mono<Frame> render(LabSession.Signal signal) {
			LabSession s = this.session;
			if (signal instanceof LabSession.Signal.Step step) {
				// The step's event itself crossed the wire once, in the run the client
				// loaded: the stream says which.
				return Mono.just(new Frame(step.step(), false, false, 0,
						sseBytes(String.valueOf(step.step()), "step", "{\"step\":" + step.step() + "}"), false));
			}
			if (signal instanceof LabSession.Signal.Snapshot snap) {
				return Mono.just(new Frame(snap.step(), true, snap.playing(), snap.speed(), null, false));
			}
			if (signal instanceof LabSession.Signal.PlayState play) {
				return Mono.just(Frame
					.of(sse("play-state", new PlayStateView(play.playing(), play.speed(), play.step(), s.total()))));
			}
			if (signal instanceof LabSession.Signal.Beat beat) {
				return Mono.just(Frame.of(sse("beat", new BeatView(beat.step(), beat.text()))));
			}
			if (signal instanceof LabSession.Signal.Replaced replaced) {
				return Mono.just(Frame.of(sse("session-changed", Map.of("params", ParamsView.of(replaced.params())))));
			}
			if (signal instanceof LabSession.Signal.Audience audience) {
				return Mono.just(new Frame(-1, false, false, 0,
						sse("audience", new AudienceView(audience.followers(), audience.detached())), true));
			}
			return Mono.just(Frame.of(sse("end", Map.of("total", s.total()))));
		}

		/** The snapshot at {@code step} with the session's play state now. */
		Mono<byte[]> snapshot(long step) {
			return snapshot(step, this.session.playing(), this.session.speed());
		}

		/**
		 * The snapshot at {@code step}: rendered once for every client asking for it at
		 * the same time, and kept in the frame cache.
		 */
		Mono<byte[]> snapshot(long step, boolean playing, double speed) {
			String key = "s" + step + "/" + playing + "/" + speed + "/" + this.session.total();
			return this.snapshotsInFlight.computeIfAbsent(key, (k) -> withRun(() -> this.session.params(), (run) -> {
				LabState state = TraceFolder.fold(run.trace().events(), this.session.params().cpus(), step);
				String data = SessionStreams.this.json
					.writeValueAsString(new SnapshotView(step, state.t(), this.session.total(), playing, speed,
							ParamsView.of(this.session.params()), SessionStreams.this.json.writeValueAsString(state)));
				return sseBytes(String.valueOf(step), "snapshot", data);
			}, k).doFinally((s) -> this.snapshotsInFlight.remove(k)).cache());
		}

		private Mono<byte[]> withRun(Supplier<dev.racetrack.scenario.RunParams> params,
				java.util.function.Function<dev.racetrack.sim.NodeRun, byte[]> make, String what) {
			dev.racetrack.scenario.RunParams p = params.get();
			return Mono.defer(() -> {
				byte[] cached = SessionStreams.this.cache.peek(p, what);
				if (cached != null) {
					return Mono.just(cached);
				}
				return SessionStreams.this.runs.traced(p).publishOn(SessionStreams.this.render).map((held) -> {
					try {
						return SessionStreams.this.cache.get(p, what, () -> make.apply(held.run()));
					}
					finally {
						held.lease().release();
					}
				});
			})
				.retryWhen(Retry.backoff(8, Duration.ofMillis(250))
					.maxBackoff(Duration.ofSeconds(4))
					.filter((ex) -> ex instanceof TooManyRequestsException
							|| ex instanceof ServiceUnavailableException));
		}

	}

	byte[] audience(LabSession session) {
		return sse("audience", new AudienceView(session.followers(), session.detachedCount()));
	}

	byte[] sse(String name, Object body) {
		return sseBytes(null, name, this.json.writeValueAsString(body));
	}

	/** One server-sent event as bytes: {@code id:}, {@code event:}, {@code data:}. */
	static byte[] sseBytes(String id, String event, String data) {
		StringBuilder sb = new StringBuilder(data.length() + 64);
		if (id != null) {
			sb.append("id:").append(id).append('\n');
		}
		sb.append("event:").append(event).append('\n');
		// JSON written by Jackson has no line breaks; split anyway, as SSE requires.
		for (String line : data.split("\n", -1)) {
			sb.append("data:").append(line).append('\n');
		}
		sb.append('\n');
		return sb.toString().getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public void destroy() {
		this.render.dispose();
	}

}
