package dev.racetrack.web.experiment;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.racetrack.experiment.ExperimentPlan;
import dev.racetrack.experiment.TrialResult;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.Runs;
import dev.racetrack.web.shared.TooManyRequestsException;

/**
 * Runs experiments' trials for the web layer: on a parallel scheduler of its own with one
 * thread per core (so that experiments never take the threads that serve requests),
 * {@code parallelism} trials of one experiment at a time, and the results handed on in
 * trial order, whatever order they finish in. At most {@code maxConcurrentExperiments}
 * experiments run at once; past that, 429.
 */
@Component
class ExperimentRunner implements DisposableBean, SmartLifecycle {

	private final RacetrackProperties properties;

	private final int parallelism;

	private final Scheduler scheduler;

	private final AtomicInteger running = new AtomicInteger();

	private final AtomicLong trialsStarted = new AtomicLong();

	/**
	 * Completes when the server stops: every experiment's stream ends then (a new one on
	 * each start: a context may be stopped and started again).
	 */
	private volatile Sinks.Empty<Void> stopping = Sinks.empty();

	private volatile boolean stopped;

	private volatile boolean lifecycleRunning;

	private final Runs runs;

	ExperimentRunner(RacetrackProperties properties, Runs runs) {
		this.properties = properties;
		this.runs = runs;
		this.parallelism = Math.max(1, Runtime.getRuntime().availableProcessors());
		this.scheduler = Schedulers.newParallel("experiment", this.parallelism, true);
	}

	/** Trials run at once for one experiment: the number of cores. */
	int parallelism() {
		return this.parallelism;
	}

	/**
	 * Takes one of the {@code maxConcurrentExperiments} slots, or throws
	 * {@link TooManyRequestsException}. Returns what gives it back (once, however often
	 * it is called).
	 */
	Runnable reserve() {
		int max = Math.max(1, this.properties.maxConcurrentExperiments());
		if (this.running.incrementAndGet() > max) {
			this.running.decrementAndGet();
			throw new TooManyRequestsException("experiments",
					"The server is already running " + max + " experiments; try again when one of them has finished.");
		}
		AtomicBoolean released = new AtomicBoolean();
		return () -> {
			if (released.compareAndSet(false, true)) {
				this.running.decrementAndGet();
			}
		};
	}

	/** Experiments running now. */
	int running() {
		return this.running.get();
	}

	/** Trials started since the server started (for tests and metrics). */
	long trialsStarted() {
		return this.trialsStarted.get();
	}

	/** The trials' results, in index order, run on this runner's scheduler. */
	Flux<TrialResult> results(ExperimentPlan plan) {
		return results(plan, this.scheduler, this.parallelism);
	}

	/**
	 * The trials' results in index order, with at most {@code concurrency} trials in
	 * flight on {@code scheduler}. A trial starts only when the subscriber's demand and
	 * the concurrency allow: cancelling the stream stops scheduling trials at once (the
	 * ones already running finish, their results dropped).
	 */
	Flux<TrialResult> results(ExperimentPlan plan, Scheduler scheduler, int concurrency) {
		return Flux.defer(() -> {
			AtomicBoolean cancelled = new AtomicBoolean();
			// Each trial takes its heap from the runs' budget first (waiting while it is
			// full): a DNS trial at the bounds holds about 200 MB.
			return Flux.range(0, plan.size())
				.flatMapSequential((i) -> Mono.usingWhen(this.runs.trialMemory(plan.trial(i).params()),
						(lease) -> Mono.fromCallable(() -> {
							this.trialsStarted.incrementAndGet();
							return plan.trial(i).runOrStop(() -> cancelled.get() || this.stopped);
						}).subscribeOn(scheduler), (lease) -> Mono.fromRunnable(lease::release)), concurrency, 1)
				.doOnCancel(() -> cancelled.set(true));
		});
	}

	/** Completes when the server begins to stop. */
	Mono<Void> stopping() {
		return Mono.defer(() -> this.stopping.asMono());
	}

	@Override
	public void start() {
		this.stopping = Sinks.empty();
		this.stopped = false;
		this.lifecycleRunning = true;
	}

	/**
	 * The server is stopping: every experiment's stream ends now, and the trials in
	 * flight stop at their next check, so a SIGTERM is not held up by an experiment.
	 */
	@Override
	public void stop() {
		this.stopped = true;
		this.stopping.tryEmitEmpty();
		this.lifecycleRunning = false;
	}

	@Override
	public boolean isRunning() {
		return this.lifecycleRunning;
	}

	@Override
	public void destroy() {
		stop();
		this.scheduler.dispose();
	}

}
