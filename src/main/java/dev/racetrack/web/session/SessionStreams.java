package dev.racetrack.web.session;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import reactor.core.Disposable;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;

import dev.racetrack.sim.LabState;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RejectionMetrics;

/**
 * Renders a session's broadcast for one client as server-sent events: a snapshot first,
 * then a {@code step} event per step (its number: the event itself is in the run the
 * client loaded once), with the SSE id set to the step. Each client has a bounded buffer;
 * a client that falls behind loses the oldest signals and, on the next step it does get,
 * receives a snapshot of that step instead of the missing events, so a slow browser never
 * makes the server buffer without bound. Heartbeats keep proxies from closing idle
 * streams.
 */
@Component
class SessionStreams {

	private final JsonMapper json;

	private final RacetrackProperties properties;

	private final Duration heartbeat;

	private final RejectionMetrics metrics;

	SessionStreams(JsonMapper json, RacetrackProperties properties, RejectionMetrics metrics) {
		this.json = json;
		this.properties = properties;
		this.metrics = metrics;
		this.heartbeat = properties.sseHeartbeat();
	}

	/** The snapshot body: everything a client needs to draw a step. */
	record SnapshotView(long step, long t, long total, boolean playing, double speed, ParamsView params,
			LabState state) {
	}

	record PlayStateView(boolean playing, double speed, long step, long total) {
	}

	record BeatView(long step, String text) {
	}

	record AudienceView(int followers, int detached) {
	}

	/**
	 * The stream of one client.
	 * @param prelude events sent once before the snapshot (e.g. a follower's id), or
	 * empty
	 * @param onEnd called when the client goes away
	 */
	Flux<ServerSentEvent<String>> stream(LabSession session, Flux<ServerSentEvent<String>> prelude,
			Consumer<LabSession> onEnd) {
		return Flux.defer(() -> {
			session.streams().incrementAndGet();
			// Listen first, then read the cursor: nothing broadcast between the snapshot
			// and the
			// first live signal can be missed (what is older than the snapshot is
			// skipped).
			Disposable[] connection = new Disposable[1];
			Flux<LabSession.Signal> signals = session.sink()
				.asFlux()
				.onBackpressureBuffer(Math.max(4, this.properties.sseBufferEvents()), (dropped) -> {
				}, BufferOverflowStrategy.DROP_OLDEST)
				.publish()
				.autoConnect(0, (c) -> connection[0] = c);
			long[] last = { session.cursor() };
			Flux<ServerSentEvent<String>> live = signals
				.concatMap((signal) -> Mono.justOrEmpty(render(session, signal, last)))
				.doOnNext((e) -> this.metrics.eventSent());
			Flux<ServerSentEvent<String>> heartbeats = Flux.interval(this.heartbeat)
				.map((i) -> ServerSentEvent.<String>builder().event("heartbeat").data("{}").build())
				.onBackpressureDrop();
			return Flux.concat(prelude, Mono.fromSupplier(() -> snapshot(session, last[0])), live)
				.mergeWith(heartbeats)
				.takeUntilOther(session.closed())
				.doFinally((s) -> {
					if (connection[0] != null) {
						connection[0].dispose();
					}
					session.streams().decrementAndGet();
					onEnd.accept(session);
				});
		});
	}

	private ServerSentEvent<String> render(LabSession session, LabSession.Signal signal, long[] last) {
		if (signal instanceof LabSession.Signal.Step step) {
			if (step.step() <= last[0]) {
				return null;
			}
			if (step.step() != last[0] + 1) {
				last[0] = step.step();
				return snapshot(session, step.step());
			}
			last[0] = step.step();
			// The step's event itself crossed the wire once, in the run the client loaded
			// (GET /api/simulate with the session's parameters): the stream says which.
			return ServerSentEvent.<String>builder()
				.id(String.valueOf(step.step()))
				.event("step")
				.data("{\"step\":" + step.step() + "}")
				.build();
		}
		if (signal instanceof LabSession.Signal.Snapshot snap) {
			last[0] = snap.step();
			return snapshot(session, snap.step());
		}
		if (signal instanceof LabSession.Signal.PlayState) {
			return sse("play-state",
					new PlayStateView(session.playing(), session.speed(), session.cursor(), session.total()));
		}
		if (signal instanceof LabSession.Signal.Beat beat) {
			return sse("beat", new BeatView(beat.step(), beat.text()));
		}
		if (signal instanceof LabSession.Signal.Replaced replaced) {
			return sse("session-changed", Map.of("params", ParamsView.of(replaced.params())));
		}
		if (signal instanceof LabSession.Signal.Audience) {
			return sse("audience", new AudienceView(session.followers(), session.detachedCount()));
		}
		return sse("end", Map.of("total", session.total()));
	}

	ServerSentEvent<String> snapshot(LabSession session, long step) {
		boolean playing = session.playing();
		double speed = session.speed();
		String data = session.rendered("s" + step + "/" + playing + "/" + speed, () -> {
			LabState state = session.stateAt(step);
			return this.json.writeValueAsString(new SnapshotView(step, state.t(), session.total(), playing, speed,
					ParamsView.of(session.params()), state));
		});
		return ServerSentEvent.<String>builder().id(String.valueOf(step)).event("snapshot").data(data).build();
	}

	ServerSentEvent<String> sse(String name, Object body) {
		return ServerSentEvent.<String>builder().event(name).data(this.json.writeValueAsString(body)).build();
	}

}
