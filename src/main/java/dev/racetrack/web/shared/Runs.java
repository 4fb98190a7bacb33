package dev.racetrack.web.shared;

import java.util.Iterator;
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
 * runs kept in a cache bounded by their total number of events
 * ({@code racetrack.max-cached-events}; about 0.5 KB an event), since a run is a pure
 * function of its parameters. Sessions hold parameters only and come back here for their
 * run, so the memory held for runs never exceeds that bound.
 */
@Component
public class Runs {

	private final RacetrackProperties properties;

	private final Semaphore permits;

	private final LinkedHashMap<RunParams, NodeRun> cache = new LinkedHashMap<>(16, 0.75f, true);

	private long cachedEvents;

	public Runs(RacetrackProperties properties) {
		this.properties = properties;
		this.permits = new Semaphore(Math.max(1, properties.maxConcurrentRuns()));
	}

	/** A traced run (cached), admitted against the limit of runs computed at once. */
	public NodeRun traced(RunParams params) {
		return traced(params, true);
	}

	/**
	 * A session's run, rebuilt if the cache evicted it: the session was admitted when it
	 * was created, so the rebuild is not refused.
	 */
	public NodeRun forSession(RunParams params) {
		return traced(params, false);
	}

	private NodeRun traced(RunParams params, boolean admit) {
		synchronized (this.cache) {
			NodeRun cached = this.cache.get(params);
			if (cached != null) {
				return cached;
			}
		}
		NodeRun run = compute(params, Tracer.recording(this.properties.maxTraceEvents()), -1, admit);
		synchronized (this.cache) {
			NodeRun previous = this.cache.put(params, run);
			if (previous != null) {
				this.cachedEvents -= previous.trace().size();
			}
			this.cachedEvents += run.trace().size();
			Iterator<Map.Entry<RunParams, NodeRun>> eldest = this.cache.entrySet().iterator();
			while (this.cachedEvents > this.properties.maxCachedEvents() && this.cache.size() > 1) {
				Map.Entry<RunParams, NodeRun> e = eldest.next();
				this.cachedEvents -= e.getValue().trace().size();
				eldest.remove();
			}
		}
		return run;
	}

	/** How many events the cache holds now. */
	public long cachedEvents() {
		synchronized (this.cache) {
			return this.cachedEvents;
		}
	}

	/** An untraced run: counters and flows only. */
	public NodeRun untraced(RunParams params) {
		return compute(params, Tracer.off(), -1);
	}

	/**
	 * The live model at step {@code step}: a fresh traced run stopped right after that
	 * event (not cached: it is left frozen mid-run). The caller checks that the step
	 * exists ({@code 0 <= step < traced(params).trace().size()}).
	 */
	public NodeRun atStep(RunParams params, long step) {
		return compute(params, Tracer.recording(this.properties.maxTraceEvents()), step);
	}

	private NodeRun compute(RunParams params, Tracer tracer, long step) {
		return compute(params, tracer, step, true);
	}

	private NodeRun compute(RunParams params, Tracer tracer, long step, boolean admit) {
		if (admit && !this.permits.tryAcquire()) {
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
			if (admit) {
				this.permits.release();
			}
		}
	}

}
