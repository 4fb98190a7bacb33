package dev.racetrack.scenario;

import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import dev.racetrack.sim.TraceEvent;

/**
 * What a traced run tells as a story: its beats and idle stretches ({@link Beats}) and,
 * for a race replay, whether it shows its race and, when it does not, which knob took it
 * away ({@link RaceCheck}, which may compute up to one more small run per knob). Made
 * once per run where the run is computed, and kept with it, so that asking for a run
 * again never repeats that work (nor does it on a server's event loop).
 *
 * @param story the beats, the idle stretches and what the run showed
 * @param finding the race check, empty when the run is not a race replay or too large to
 * check
 */
public record ReplayStory(Beats.Story story, Optional<RaceCheck.Finding> finding) {

	/** The story of a run that is not a race replay: none. */
	public static final ReplayStory NONE = new ReplayStory(Beats.story(List.of()), Optional.empty());

	/**
	 * The story of a run of {@code params} that recorded {@code events}; {@link #NONE}
	 * for free play, whose beats nobody reads (its events are not read again).
	 */
	public static ReplayStory of(RunParams params, List<TraceEvent> events) {
		return of(params, events, () -> false);
	}

	/**
	 * As {@link #of(RunParams, List)}; the race check's runs stop (with
	 * {@link dev.racetrack.sim.RunStoppedException}) once {@code stop} answers true, as
	 * the run they check does when its askers went away.
	 */
	public static ReplayStory of(RunParams params, List<TraceEvent> events, BooleanSupplier stop) {
		if (!Scenarios.byId(params.scenario()).map(Scenario::replay).orElse(false)) {
			return NONE;
		}
		Beats.Story story = Beats.story(events);
		return new ReplayStory(story, RaceCheck.check(params, story, events.size(), stop));
	}

}
