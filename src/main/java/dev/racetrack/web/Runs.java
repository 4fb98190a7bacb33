package dev.racetrack.web;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;

import org.springframework.stereotype.Component;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceLimitExceededException;
import dev.racetrack.sim.Tracer;

/**
 * Computes runs for the web layer: at most {@code maxConcurrentRuns} at once (beyond
 * that, 429), traced runs capped at {@code maxTraceEvents}, and the most recent traced
 * runs kept in a small cache, since a run is a pure function of its parameters.
 */
@Component
class Runs {

	private static final int CACHE_SIZE = 32;

	private final RacetrackProperties properties;

	private final Semaphore permits;

	private final Map<RunParams, NodeRun> cache = new LinkedHashMap<>(16, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<RunParams, NodeRun> eldest) {
			return size() > CACHE_SIZE;
		}
	};

	Runs(RacetrackProperties properties) {
		this.properties = properties;
		this.permits = new Semaphore(Math.max(1, properties.maxConcurrentRuns()));
	}

	/** A traced run (cached). */
	NodeRun traced(RunParams params) {
		synchronized (this.cache) {
			NodeRun cached = this.cache.get(params);
			if (cached != null) {
				return cached;
			}
		}
		NodeRun run = compute(params, Tracer.recording(this.properties.maxTraceEvents()), -1);
		synchronized (this.cache) {
			this.cache.put(params, run);
		}
		return run;
	}

	/** An untraced run: counters and flows only. */
	NodeRun untraced(RunParams params) {
		return compute(params, Tracer.off(), -1);
	}

	/**
	 * The live model at step {@code step}: a fresh traced run stopped right after that
	 * event (not cached: it is left frozen mid-run). The caller checks that the step
	 * exists ({@code 0 <= step < traced(params).trace().size()}).
	 */
	NodeRun atStep(RunParams params, long step) {
		return compute(params, Tracer.recording(this.properties.maxTraceEvents()), step);
	}

	private NodeRun compute(RunParams params, Tracer tracer, long step) {
		if (!this.permits.tryAcquire()) {
			throw new TooManyRequestsException("runs", "The server is already computing "
					+ this.properties.maxConcurrentRuns() + " runs; try again in a moment.");
		}
		try {
			return (step < 0) ? ScenarioRunner.run(params, tracer) : ScenarioRunner.runToStep(params, tracer, step);
		}
		catch (TraceLimitExceededException ex) {
			throw new BadParameterException("events",
					"This run produces more than " + ex.limit() + " events; ask for fewer pods or rounds, "
							+ "or for events=false to get the summary alone.",
					"events=false, or a run of at most " + ex.limit() + " events");
		}
		finally {
			this.permits.release();
		}
	}

}
