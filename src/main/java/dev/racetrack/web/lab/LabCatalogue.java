package dev.racetrack.web.lab;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.Preset;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.scenario.WorkloadKind;
import dev.racetrack.sim.LabState;
import dev.racetrack.sim.Change;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.sim.SynBackoff;
import dev.racetrack.web.shared.Knob;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * Everything the browser needs to know about runs and does not compute itself: the knobs
 * and their values ({@link RunParamsBinder#KNOBS}), the scenarios with their defaults and
 * the remedies "What fixes this?" compares them with, the kernels' and resolvers' timers
 * that the charts mark, every event type the engine can emit ({@link Change}'s kinds),
 * and the pacing ({@link Pacing}). It is served at {@code GET /api/catalogue} and
 * embedded in every page that runs the Lab's modules (and in the offline replay), so the
 * browser keeps no copy of its own.
 *
 * @param knobs the run parameters, in the order of a run's query
 * @param scenarios the scenarios
 * @param kernels the kernel profiles and the client timers that differ by kernel
 * @param resolvers the resolvers and how long a lost answer stalls them
 * @param eventTypes every kebab-case event type, as the trace names them
 * @param pacing how fast a run plays
 * @param presets the published tests' workloads and the parameters each fills
 * @param workloads what each workload stands for and how its attempts are bounded
 * @param walkTakenKept how many of a port search's taken candidates a fold keeps
 * ({@link dev.racetrack.sim.LabState.Walk#TAKEN_KEPT}), for the browser's fold
 */
public record LabCatalogue(List<Knob> knobs, List<ScenarioView> scenarios, List<KernelView> kernels,
		List<ResolverView> resolvers, List<String> eventTypes, Pacing.View pacing, List<PresetView> presets,
		List<WorkloadView> workloads, int walkTakenKept) {

	/**
	 * A workload ({@link WorkloadKind}).
	 *
	 * @param id its id
	 * @param sustained whether it runs for {@code durationS} (rates per window after
	 * {@code warmupS}) rather than a number of rounds
	 * @param clients whether each of a pod's {@code workers} dials (otherwise one flow
	 * per pod)
	 * @param standsFor what it stands for, in a sentence
	 */
	public record WorkloadView(String id, boolean sustained, boolean clients, String standsFor) {

		static WorkloadView of(WorkloadKind w) {
			return new WorkloadView(w.id(), w.sustained(), w != WorkloadKind.ROUNDS, switch (w) {
				case ROUNDS -> "The Lab's short runs: each round every pod opens one connection, the pods a Poisson "
						+ "stream apart, and the next round waits for the last one; a few milliseconds in all, "
						+ "so no TIME_WAIT builds up and a retransmitted SYN meets no competitor.";
				case BARRIER -> "A lab harness (the kernel-lab preset, src/docs/kernel-window.md §1): every worker "
						+ "of every pod released together by a barrier each round, each after its own start "
						+ "jitter; the next round waits for all of them.";
				case TICKER -> "A load generator's ticker (snat-race-conn-test's time.NewTicker): each worker dials "
						+ "every periodMs for durationS, whatever became of its last dial; rates after warmupS, "
						+ "per 10 s window.";
				case CLOSED -> "A closed loop (XING's threads connecting again and again): each worker dials again "
						+ "periodMs after its previous connection ended, for durationS; a stalled connect holds "
						+ "its worker, as in a real client.";
			});
		}

	}

	/**
	 * A preset ({@link Preset}): the parameters of its scenario it sets, as the binder
	 * binds them (a form fills its fields with them; an explicit parameter still wins).
	 *
	 * @param id its id
	 * @param title what it reproduces
	 * @param scenario the scenario it is a workload of
	 * @param params the parameters it sets that differ from the scenario's defaults, as
	 * query values
	 */
	public record PresetView(String id, String title, String scenario, Map<String, String> params) {

		static PresetView of(Preset p) {
			String scenario = RunParamsBinder.WORKLOAD_SCENARIO;
			Map<String, String> base = ParamsView.of(RunParamsBinder.bind(Map.of("scenario", scenario))).asQuery();
			Map<String, String> with = ParamsView
				.of(RunParamsBinder.bind(Map.of("scenario", scenario, "preset", p.id())))
				.asQuery();
			Map<String, String> params = new java.util.LinkedHashMap<>();
			with.forEach((name, value) -> {
				if (!value.equals(base.get(name))) {
					params.put(name, value);
				}
			});
			return new PresetView(p.id(), p.title(), scenario, params);
		}

	}

	/**
	 * A scenario.
	 *
	 * @param id its id
	 * @param title its title
	 * @param summary what it shows
	 * @param watch what to watch on the drawing (the intro card)
	 * @param replay whether it is a guided replay (with beats)
	 * @param defaults its run parameters when a query gives none
	 * @param remedies the parameters that fix its race, each applied to a run of it
	 * ("What fixes this?")
	 * @param variants runs of it worth showing next (the intro card's "Try")
	 */
	public record ScenarioView(String id, String title, String summary, String watch, boolean replay,
			ParamsView defaults, List<Map<String, String>> remedies, List<Scenario.Variant> variants) {

		static ScenarioView of(Scenario s) {
			return new ScenarioView(s.id(), s.title(), s.summary(), s.watch(), s.replay(), ParamsView.of(s.defaults()),
					remediesFor(s.id()), s.variants());
		}

	}

	/**
	 * A kernel profile.
	 *
	 * @param id its id
	 * @param synLossNs the latency of a connect whose SYN was lost once, then twice
	 * ({@link SynBackoff})
	 */
	public record KernelView(String id, List<Long> synLossNs) {

		static KernelView of(KernelProfile k) {
			long first = SynBackoff.rtoNanos(k, 0);
			return new KernelView(k.id(), List.of(first, first + SynBackoff.rtoNanos(k, 1)));
		}

	}

	/**
	 * A resolver.
	 *
	 * @param id its id
	 * @param retryNs how long a lost answer stalls a lookup before the query is sent
	 * again
	 */
	public record ResolverView(String id, long retryNs) {
	}

	private static final LabCatalogue CATALOGUE = build();

	/** The catalogue (it never changes while the application runs). */
	public static LabCatalogue get() {
		return CATALOGUE;
	}

	/**
	 * The catalogue as JSON for a {@code <script type="application/json">} block: a
	 * {@code <} could end the block early, so it is written as {@code \u003c}, which
	 * {@code JSON.parse} reads back.
	 */
	public static String embeddable(JsonMapper json) {
		return json.writeValueAsString(CATALOGUE).replace("<", "\\u003c");
	}

	private static LabCatalogue build() {
		return new LabCatalogue(RunParamsBinder.KNOBS, Scenarios.all().stream().map(ScenarioView::of).toList(),
				Arrays.stream(KernelProfile.values()).map(KernelView::of).toList(),
				Arrays.stream(ResolverKind.values()).map((r) -> new ResolverView(r.id(), r.retryNanos())).toList(),
				allEventTypes(), Pacing.view(), Arrays.stream(Preset.values()).map(PresetView::of).toList(),
				Arrays.stream(WorkloadKind.values()).map(WorkloadView::of).toList(), LabState.Walk.TAKEN_KEPT);
	}

	/**
	 * "What fixes this?": the remedies for a scenario's race, each through the model's
	 * own mechanics: for the SNAT race, {@code --random-fully} and routable pod addresses
	 * (keep-alive in free play); for the DNS races, NodeLocal DNSCache and the tc delay.
	 */
	static List<Map<String, String>> remediesFor(String scenario) {
		return switch (scenario) {
			case "snat-port-race" -> List.of(Map.of("mode", "random-fully"), Map.of("mitigation", "no-snat"));
			case "tcp-free-play" -> List.of(Map.of("mode", "random-fully"), Map.of("mitigation", "keep-alive"));
			default -> List.of(Map.of("mitigation", "nodelocal-dns"), Map.of("mitigation", "tc-delay"));
		};
	}

	/**
	 * The type of every kind of {@link Change}, sorted by name: read off the sealed
	 * interface, so a new kind is in the catalogue (and in the browser's fold check) the
	 * moment it exists. (The order of {@code getPermittedSubclasses} follows the order in
	 * which the compiler met the kinds, which another class's source can change.)
	 */
	public static List<String> allEventTypes() {
		return Arrays.stream(Change.class.getPermittedSubclasses()).map(LabCatalogue::typeOf).sorted().toList();
	}

	private static String typeOf(Class<?> kind) {
		try {
			RecordComponent[] components = kind.getRecordComponents();
			Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
			Object[] args = Arrays.stream(types).map(LabCatalogue::zero).toArray();
			Constructor<?> canonical = kind.getDeclaredConstructor(types);
			return ((Change) canonical.newInstance(args)).type();
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			throw new IllegalStateException("cannot read the event type of " + kind.getName(), ex);
		}
	}

	private static Object zero(Class<?> type) {
		if (type == boolean.class) {
			return false;
		}
		if (type == long.class) {
			return 0L;
		}
		if (type == int.class) {
			return 0;
		}
		if (type == double.class) {
			return 0.0;
		}
		return null;
	}

}
