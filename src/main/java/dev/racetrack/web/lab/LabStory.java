package dev.racetrack.web.lab;

import java.util.List;
import java.util.Optional;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RaceCheck;
import dev.racetrack.scenario.ReplayStory;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * The story of a run as the Lab tells it: the guided beats, the idle stretches that
 * playback hurries through (the same rule wherever the run plays, see {@link Pacing}),
 * and, for a race replay whose knobs no longer produce its race, a warning in the user's
 * words that names the knob to set back ({@link RaceCheck}).
 *
 * @param beats the guided beats (race replays only)
 * @param idle the idle stretches (race replays only)
 * @param race whether the run shows its scenario's race ({@code null} when it was not
 * checked: free play, or a run too large to check)
 * @param warning what the page says when it does not, or {@code null}
 */
public record LabStory(List<Beats.Beat> beats, List<Beats.Span> idle, Boolean race, String warning) {

	/** No story: free play. */
	public static final LabStory NONE = new LabStory(List.of(), List.of(), null, null);

	/** The story of a run of {@code params}, read off it where it was computed. */
	public static LabStory of(RunParams params, ReplayStory read) {
		Scenario scenario = Scenarios.byId(params.scenario()).orElseThrow();
		if (!scenario.replay()) {
			return NONE;
		}
		Beats.Story story = read.story();
		Optional<RaceCheck.Finding> finding = read.finding();
		Boolean race = finding.map(RaceCheck.Finding::shows).orElse(null);
		String warning = finding.filter((f) -> !f.shows()).map((f) -> warning(scenario, f)).orElse(null);
		return new LabStory(story.beats(), story.idle(), race, warning);
	}

	/**
	 * "With mode random-fully, the SNAT port race cannot happen: that is one of its
	 * fixes. Set mode back to default to see it."
	 */
	static String warning(Scenario scenario, RaceCheck.Finding f) {
		String title = scenario.title();
		String race = title.contains(":") ? title.substring(0, title.indexOf(':')) : "the " + title;
		if (f.culprit().isEmpty()) {
			return "With these settings, " + race + " does not happen. Pick the scenario again to load its own "
					+ "settings.";
		}
		RaceCheck.Culprit c = f.culprit().get();
		String label = RunParamsBinder.knob(c.knob()).label();
		boolean fix = LabCatalogue.remediesFor(scenario.id())
			.stream()
			.anyMatch((r) -> c.value().equals(r.get(c.knob())))
				|| ("mode".equals(c.knob()) && !"default".equals(c.value())) || ("kernel".equals(c.knob()));
		return "With " + label + " " + c.value() + ", " + race + " cannot happen"
				+ (fix ? ": that is one of its fixes" : "") + ". Set " + label + " back to " + c.scenarioValue()
				+ " to see it.";
	}

}
