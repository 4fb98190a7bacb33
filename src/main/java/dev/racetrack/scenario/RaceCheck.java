package dev.racetrack.scenario;

import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.BiFunction;
import java.util.function.Function;

import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceLimitExceededException;
import dev.racetrack.sim.TimingModel;
import dev.racetrack.sim.Tracer;

/**
 * Whether a race replay, with the knobs it was given, still shows the race its scenario
 * is about, and if not, which changed knob took it away. The answer comes from the model:
 * each knob that differs from the scenario's defaults is set back alone and the replay
 * run again; the first one whose return brings the race back is named. Nothing here
 * predicts a race by rule.
 */
public final class RaceCheck {

	/** The largest replay (in events) that is checked; bigger ones are not. */
	static final int MAX_EVENTS = 20_000;

	/**
	 * A knob whose value takes the race away.
	 *
	 * @param knob the knob's name, as a run's query spells it
	 * @param value its value in this run
	 * @param scenarioValue its value in the scenario's defaults, which brings the race
	 * back
	 */
	public record Culprit(String knob, String value, String scenarioValue) {
	}

	/**
	 * What a check found.
	 *
	 * @param shows whether the run shows the scenario's race
	 * @param culprit the knob that took it away, when one alone did
	 */
	public record Finding(boolean shows, Optional<Culprit> culprit) {
	}

	private record KnobAccess(String name, Function<RunParams, String> get,
			BiFunction<RunParams.Builder, RunParams, RunParams.Builder> copy) {
	}

	private static final List<KnobAccess> KNOBS = List.of(
			new KnobAccess("pods", (p) -> String.valueOf(p.pods()), (b, d) -> b.pods(d.pods())),
			new KnobAccess("cpus", (p) -> String.valueOf(p.cpus()), (b, d) -> b.cpus(d.cpus())),
			new KnobAccess("endpoints", (p) -> String.valueOf(p.endpoints()), (b, d) -> b.endpoints(d.endpoints())),
			new KnobAccess("resolver", (p) -> p.resolver().id(), (b, d) -> b.resolver(d.resolver())),
			new KnobAccess("mode", (p) -> p.mode().id(), (b, d) -> b.mode(d.mode())),
			new KnobAccess("mitigation", (p) -> p.mitigation().id(), (b, d) -> b.mitigation(d.mitigation())),
			new KnobAccess("sourcePort", (p) -> String.valueOf(p.sourcePort()), (b, d) -> b.sourcePort(d.sourcePort())),
			new KnobAccess("seed", (p) -> String.valueOf(p.seed()), (b, d) -> b.seed(d.seed())),
			new KnobAccess("kernel", (p) -> p.kernel().id(), (b, d) -> b.kernel(d.kernel())),
			new KnobAccess("rounds", (p) -> String.valueOf(p.rounds()), (b, d) -> b.rounds(d.rounds())),
			new KnobAccess("ndots", (p) -> String.valueOf(p.ndots()), (b, d) -> b.ndots(d.ndots())));

	private RaceCheck() {
	}

	/**
	 * Checks a run whose story was read already; empty when the scenario is not a race
	 * replay, or the run is too large to check.
	 */
	public static Optional<Finding> check(RunParams params, Beats.Story story, long events) {
		return check(params, story, events, () -> false);
	}

	/**
	 * As {@link #check(RunParams, Beats.Story, long)}; its runs stop (with
	 * {@link dev.racetrack.sim.RunStoppedException}) once {@code stop} answers true.
	 */
	public static Optional<Finding> check(RunParams params, Beats.Story story, long events, BooleanSupplier stop) {
		Scenario scenario = Scenarios.byId(params.scenario()).orElse(null);
		if (scenario == null || !scenario.replay() || events > MAX_EVENTS) {
			return Optional.empty();
		}
		if (story.showsRaceOf(params.scenario())) {
			return Optional.of(new Finding(true, Optional.empty()));
		}
		RunParams defaults = scenario.defaults();
		for (KnobAccess k : KNOBS) {
			String value = k.get().apply(params);
			String wanted = k.get().apply(defaults);
			if (value.equals(wanted)) {
				continue;
			}
			RunParams back = k.copy().apply(params.toBuilder(), defaults).build();
			if (shows(back, stop)) {
				return Optional.of(new Finding(false, Optional.of(new Culprit(k.name(), value, wanted))));
			}
		}
		return Optional.of(new Finding(false, Optional.empty()));
	}

	/** Runs a replay and reads whether it shows its scenario's race. */
	static boolean shows(RunParams params, BooleanSupplier stop) {
		try {
			NodeRun run = ScenarioRunner.run(params, TimingModel.calibrated(), Tracer.recording(MAX_EVENTS),
					(r) -> r.sim().stopWhen(stop));
			return Beats.story(run.trace().events()).showsRaceOf(params.scenario());
		}
		catch (TraceLimitExceededException ex) {
			return false;
		}
	}

}
