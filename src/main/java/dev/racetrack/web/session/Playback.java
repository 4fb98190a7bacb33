package dev.racetrack.web.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.racetrack.web.lab.Pacing;

/**
 * A session's play state, and the rules that move it: the cursor (the last step sent,
 * {@code -1} before the first), whether it plays, and at what speed. Each rule returns
 * the next state and the signals to broadcast, in order; it changes nothing itself. Both
 * session stores apply these rules (the in-memory one under the session's lock, the Redis
 * one as a compare-and-set on the session's version), so a session plays the same way on
 * one instance or on many.
 *
 * @param cursor the last step sent, {@code -1} before the first
 * @param playing whether the session plays by itself
 * @param speed the speed factor ({@link #MIN_SPEED} to {@link #MAX_SPEED})
 */
record Playback(long cursor, boolean playing, double speed) {

	static final double MIN_SPEED = Pacing.MIN_SPEED;

	static final double MAX_SPEED = Pacing.MAX_SPEED;

	/** A new session: before the first step, paused, at speed 1. */
	static final Playback START = new Playback(-1, false, 1);

	/** What a run looks like to its playback: its length and its guided beats. */
	interface Course {

		long total();

		/** The beat's text at {@code step}, or {@code null}. */
		String beatAt(long step);

	}

	/** The next state and what to broadcast, in order. */
	record Outcome(Playback next, List<LabSession.Signal> signals) {

		boolean changed(Playback before) {
			return !this.signals.isEmpty() || !this.next.equals(before);
		}

	}

	/** The actions a presenter sends, by their API names. */
	enum Action {

		PLAY, PAUSE, STEP, BACK, SEEK, SPEED;

		static final List<String> NAMES = List.of("play", "pause", "step", "back", "seek", "speed");

		static Action of(String name) {
			return valueOf(name.toUpperCase(Locale.ROOT));
		}

	}

	/**
	 * Applies a presenter's action ({@code value}: the step of a seek, the factor of a
	 * speed).
	 */
	Outcome apply(Action action, double value, Course course) {
		Builder b = new Builder(this, course);
		switch (action) {
			case PLAY -> b.play();
			case PAUSE -> b.pause();
			case STEP -> {
				if (b.playing) {
					b.pause();
				}
				b.advance();
			}
			case BACK -> {
				if (b.playing) {
					b.pause();
				}
				b.seekTo(b.cursor - 1);
			}
			case SEEK -> b.seekTo((long) value);
			case SPEED -> {
				b.speed = Pacing.clamp(value);
				b.playState();
			}
		}
		return b.outcome();
	}

	/** One tick of a playing session: the next step, if it still plays. */
	Outcome tick(Course course) {
		Builder b = new Builder(this, course);
		if (b.playing) {
			b.advance();
		}
		return b.outcome();
	}

	/** Whether a ticker should run: playing, with steps left. */
	boolean ticking(Course course) {
		return this.playing && this.cursor < course.total() - 1;
	}

	private static final class Builder {

		private final Course course;

		private final List<LabSession.Signal> signals = new ArrayList<>(4);

		long cursor;

		boolean playing;

		double speed;

		Builder(Playback p, Course course) {
			this.course = course;
			this.cursor = p.cursor;
			this.playing = p.playing;
			this.speed = p.speed;
		}

		void play() {
			if (this.cursor >= this.course.total() - 1) {
				this.cursor = -1;
				snapshot();
			}
			this.playing = true;
			playState();
		}

		void pause() {
			this.playing = false;
			playState();
		}

		void seekTo(long step) {
			this.cursor = Math.max(-1, Math.min(step, this.course.total() - 1));
			snapshot();
		}

		void advance() {
			long total = this.course.total();
			if (this.cursor >= total - 1) {
				if (this.playing) {
					this.playing = false;
					playState();
				}
				return;
			}
			this.cursor++;
			this.signals.add(new LabSession.Signal.Step(this.cursor));
			String beat = this.course.beatAt(this.cursor);
			if (beat != null && this.playing) {
				this.playing = false;
				this.signals.add(new LabSession.Signal.Beat(this.cursor, beat));
				playState();
			}
			if (this.cursor == total - 1) {
				this.signals.add(new LabSession.Signal.End());
				if (this.playing) {
					this.playing = false;
					playState();
				}
			}
		}

		void snapshot() {
			this.signals.add(new LabSession.Signal.Snapshot(this.cursor, this.playing, this.speed));
		}

		void playState() {
			this.signals.add(new LabSession.Signal.PlayState(this.playing, this.speed, this.cursor));
		}

		Outcome outcome() {
			return new Outcome(new Playback(this.cursor, this.playing, this.speed), List.copyOf(this.signals));
		}

	}

}
