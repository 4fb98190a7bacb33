package dev.racetrack.web.session;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one client's stream takes of its session's broadcast
 * ({@link SessionStreams#listen}): everything broadcast from the moment it listens, even
 * while it is still writing its prelude and snapshot and takes nothing yet (a follower
 * who joins then is on the presenter's badge), the presenter's own frames for the
 * presenter only, and the newest frames for a client slower than the session.
 */
class StreamListenTests {

	final Sinks.Many<SessionStreams.Frame> broadcast = Sinks.many().multicast().directBestEffort();

	static SessionStreams.Frame step(long step) {
		return new SessionStreams.Frame(step, false, false, 0, ("step " + step).getBytes(), false);
	}

	/** An audience update: for the presenter's stream only. */
	static SessionStreams.Frame audience(int followers) {
		return new SessionStreams.Frame(-1, false, false, 0, ("audience " + followers).getBytes(), true);
	}

	static String text(SessionStreams.Frame frame) {
		return new String(frame.bytes());
	}

	@Test
	void whatIsBroadcastBeforeTheStreamTakesFramesStillReachesIt() {
		List<Disposable> connection = new ArrayList<>();
		Flux<SessionStreams.Frame> frames = SessionStreams.listen(this.broadcast.asFlux(), true, 256, connection::add);
		assertThat(connection).as("listening from the start").hasSize(1);
		// The snapshot is being written: a follower joins, the presenter steps.
		this.broadcast.tryEmitNext(audience(1));
		this.broadcast.tryEmitNext(step(0));
		List<SessionStreams.Frame> got = new ArrayList<>();
		frames.subscribe(got::add);
		this.broadcast.tryEmitNext(step(1));
		assertThat(got).extracting(StreamListenTests::text).containsExactly("audience 1", "step 0", "step 1");
	}

	@Test
	void aFollowerGetsNoneOfThePresentersFrames() {
		Flux<SessionStreams.Frame> frames = SessionStreams.listen(this.broadcast.asFlux(), false, 256, (c) -> {
		});
		this.broadcast.tryEmitNext(audience(1));
		this.broadcast.tryEmitNext(step(0));
		List<SessionStreams.Frame> got = new ArrayList<>();
		frames.subscribe(got::add);
		assertThat(got).extracting(StreamListenTests::text).containsExactly("step 0");
	}

	@Test
	void theGapKeepsItsNewestFramesAndASlowClientItsNewestBuffer() {
		Flux<SessionStreams.Frame> frames = SessionStreams.listen(this.broadcast.asFlux(), true, 8, (c) -> {
		});
		LongStream.range(0, 100).forEach((i) -> this.broadcast.tryEmitNext(step(i)));
		List<Long> got = new ArrayList<>();
		BaseSubscriber<SessionStreams.Frame> slow = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
			}

			@Override
			protected void hookOnNext(SessionStreams.Frame frame) {
				got.add(frame.step());
			}
		};
		frames.subscribe(slow);
		LongStream.range(100, 200).forEach((i) -> this.broadcast.tryEmitNext(step(i)));
		slow.request(Long.MAX_VALUE);
		assertThat(got).as("the newest 8 of what the slow client did not take").hasSize(8).last().isEqualTo(199L);
		assertThat(got).isSorted();
		slow.dispose();
	}

	@Test
	void theGapIsBounded() {
		Flux<SessionStreams.Frame> frames = SessionStreams.listen(this.broadcast.asFlux(), true, 256, (c) -> {
		});
		LongStream.range(0, 1000).forEach((i) -> this.broadcast.tryEmitNext(step(i)));
		List<Long> got = new ArrayList<>();
		frames.subscribe((f) -> got.add(f.step()));
		assertThat(got).hasSize(SessionStreams.LISTEN_GAP_FRAMES).last().isEqualTo(999L);
	}

}
