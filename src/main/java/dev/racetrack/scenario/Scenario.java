package dev.racetrack.scenario;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.racetrack.sim.NodeRun;

/**
 * One entry of the catalogue: a topology and a workload built from the knobs and the
 * seed. A scenario sets up arrival times, CPU assignment and the seed; the model decides
 * what happens.
 */
public interface Scenario {

	/** Stable kebab-case id, e.g. {@code snat-port-race}. */
	String id();

	String title();

	/** One or two sentences on what it shows. */
	String summary();

	/**
	 * What to watch on the Lab's drawing, in one or two sentences for a room that never
	 * read the articles (the intro card).
	 */
	String watch();

	/** The knobs it starts with. */
	RunParams defaults();

	/**
	 * Runs of this scenario worth showing next, each a change of a few knobs of whatever
	 * run is shown (the intro card links them): what a room asks for after the first
	 * replay, and not findable from the knobs' names alone.
	 */
	default List<Variant> variants() {
		return List.of();
	}

	/**
	 * Another run of a scenario.
	 *
	 * @param label what it is, a few words
	 * @param why what it shows, one sentence
	 * @param params the knobs it sets (API names and values), over the run shown; sorted
	 * by name, so that the catalogue reads the same every time
	 */
	record Variant(String label, String why, Map<String, String> params) {

		public Variant {
			params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
		}

	}

	/** Whether this is a race replay (guided beats) rather than free play. */
	boolean replay();

	/**
	 * Schedules the workload on a fresh run and returns a handle that tells when it is
	 * complete.
	 */
	Workload start(NodeRun run, RunParams params);

	/** The longest a run of this scenario may last, in simulated nanoseconds. */
	default long horizonNanos(RunParams params) {
		return 600_000_000_000L;
	}

	/**
	 * How long to keep running after the workload completes (so that timers and entries
	 * show their end).
	 */
	default long tailNanos() {
		return 10_000_000L;
	}

}
