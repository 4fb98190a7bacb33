package dev.racetrack.web.session;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.RunParamsBinder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The play rules both session stores apply ({@link Playback}), and the text in which the
 * Redis store publishes their signals: a change read back from the channel is the change
 * that was made.
 */
class PlaybackTests {

	/** A run of five steps with a guided beat at step 2. */
	static final Playback.Course COURSE = new Playback.Course() {

		@Override
		public long total() {
			return 5;
		}

		@Override
		public String beatAt(long step) {
			return (step == 2) ? "Both CPUs chose port 1025." : null;
		}

	};

	@Test
	void aStepSendsTheNextEventAndTheLastOneEnds() {
		Playback p = new Playback(3, false, 1);
		Playback.Outcome last = p.apply(Playback.Action.STEP, 0, COURSE);
		assertThat(last.next()).isEqualTo(new Playback(4, false, 1));
		assertThat(last.signals()).containsExactly(new LabSession.Signal.Step(4), new LabSession.Signal.End());
		Playback.Outcome beyond = last.next().apply(Playback.Action.STEP, 0, COURSE);
		assertThat(beyond.next()).isEqualTo(last.next());
		assertThat(beyond.signals()).isEmpty();
	}

	@Test
	void playingStopsByItselfAtABeat() {
		Playback p = new Playback(1, true, 2);
		Playback.Outcome tick = p.tick(COURSE);
		assertThat(tick.next()).isEqualTo(new Playback(2, false, 2));
		assertThat(tick.signals()).containsExactly(new LabSession.Signal.Step(2),
				new LabSession.Signal.Beat(2, "Both CPUs chose port 1025."),
				new LabSession.Signal.PlayState(false, 2, 2));
		assertThat(tick.next().tick(COURSE).signals()).as("a paused session does not tick").isEmpty();
	}

	@Test
	void playAtTheEndStartsAgainFromASnapshot() {
		Playback.Outcome play = new Playback(4, false, 1).apply(Playback.Action.PLAY, 0, COURSE);
		assertThat(play.next()).isEqualTo(new Playback(-1, true, 1));
		assertThat(play.signals()).containsExactly(new LabSession.Signal.Snapshot(-1, false, 1),
				new LabSession.Signal.PlayState(true, 1, -1));
		assertThat(play.next().ticking(COURSE)).isTrue();
	}

	@Test
	void backPausesAndSeekAndSpeedStayInBounds() {
		Playback.Outcome back = new Playback(3, true, 1).apply(Playback.Action.BACK, 0, COURSE);
		assertThat(back.next()).isEqualTo(new Playback(2, false, 1));
		assertThat(back.signals()).containsExactly(new LabSession.Signal.PlayState(false, 1, 3),
				new LabSession.Signal.Snapshot(2, false, 1));
		assertThat(Playback.START.apply(Playback.Action.SEEK, 99, COURSE).next().cursor()).isEqualTo(4);
		assertThat(Playback.START.apply(Playback.Action.SEEK, -7, COURSE).next().cursor()).isEqualTo(-1);
		assertThat(Playback.START.apply(Playback.Action.SPEED, 1000, COURSE).next().speed())
			.isEqualTo(Playback.MAX_SPEED);
		assertThat(Playback.START.apply(Playback.Action.SPEED, 0.01, COURSE).next().speed())
			.isEqualTo(Playback.MIN_SPEED);
	}

	@Test
	void theChannelsTextCarriesEverySignal() {
		RunParams params = RunParamsBinder.bind(Map.of("scenario", "dnat-race-3", "kernel", "5.6", "seed", "42"));
		List<LabSession.Signal> signals = List.of(new LabSession.Signal.Step(7),
				new LabSession.Signal.Snapshot(-1, true, 0.25), new LabSession.Signal.PlayState(false, 64, 3),
				new LabSession.Signal.Beat(2, "Both CPUs chose port 1025."), new LabSession.Signal.End(),
				new LabSession.Signal.Replaced(params));
		String text = RedisSessionStore.encode(signals);
		assertThat(RedisSessionStore.decode(List.of(text.split("\n")), COURSE)).isEqualTo(signals);
		// Parameters go to Redis as the permalink's query, and come back the same.
		assertThat(RedisSessionStore.params(RedisSessionStore.query(params))).isEqualTo(params);
	}

	@Test
	void aChangeFromTheChannelGivesTheStateItMade() {
		Playback p = new Playback(1, true, 2);
		Playback.Outcome tick = p.tick(COURSE);
		Playback applied = p;
		for (LabSession.Signal s : tick.signals()) {
			applied = RedisSessionStore.after(applied, s);
		}
		assertThat(applied).isEqualTo(tick.next());
	}

}
