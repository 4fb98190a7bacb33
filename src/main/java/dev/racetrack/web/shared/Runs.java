package dev.racetrack.web.shared;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.racetrack.scenario.ReplayStory;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.RunStoppedException;
import dev.racetrack.sim.TimingModel;
import dev.racetrack.sim.TraceLimitExceededException;
import dev.racetrack.sim.Tracer;

/**
 * Computes runs for the web layer, and admits them by what they cost.
 *
 * <p>
 * <b>Memory.</b> Every traced run held in memory, cached or being computed, is counted in
 * one budget ({@code racetrack.run-cache-heap-percent} plus
 * {@code racetrack.run-budget-heap-percent} of the heap) at {@link #BYTES_PER_EVENT}
 * bytes an event: a computation reserves its estimate ({@link #estimatedEvents}) before
 * it starts, and its real size when it ends. A run in use (a response still streaming it,
 * a session rendering from it) is <i>held</i> and never evicted; the least recently used
 * runs nobody holds are evicted to make room, down to the cache's own share. Work that
 * does not fit even then is refused with 429 naming the limit, so the runs never hold
 * more than their budget, whatever the order of the requests.
 *
 * <p>
 * <b>CPU.</b> At most {@code racetrack.max-concurrent-runs} computations at once, on a
 * scheduler of their own, and of those at most all cores but one large ones (estimated
 * above half a second of a core), so the event loops always keep a core; and new work is
 * refused with 503 while the heap in use after the last collection is above
 * {@code racetrack.heap-admit-percent}.
 *
 * <p>
 * <b>Cancellation.</b> Every computation is a {@link Mono}: cancelling it (the client
 * went away) gives its budget back at once and stops the simulation within
 * {@link dev.racetrack.sim.Simulation#STOP_CHECK_INTERVAL} engine actions.
 */
@Component
public class Runs implements DisposableBean, SmartLifecycle {

	private static final org.apache.commons.logging.Log log = org.apache.commons.logging.LogFactory.getLog(Runs.class);

	/**
	 * Heap per trace event of a run, measured: 500–550 bytes for the free-play runs (with
	 * their captions, counters and changes), rounded up.
	 */
	public static final long BYTES_PER_EVENT = 600;

	/**
	 * Heap an untraced run holds at most (flows, the table, the queue), per attempt:
	 * measured 0.5 KB for TCP and 1.55 KB for DNS free play at 128 × 1000, rounded up.
	 */
	static final long UNTRACED_BYTES_PER_ATTEMPT = 1_600;

	private final RacetrackProperties properties;

	private final HeapWatch heap;

	private final RejectionMetrics metrics;

	private final Scheduler scheduler;

	/** The most bytes the cache keeps of runs nobody holds. */
	private final long cacheBytes;

	/** The most bytes all runs together may hold: cached, held and being computed. */
	private final long budgetBytes;

	private final LinkedHashMap<RunParams, Entry> cache = new LinkedHashMap<>(16, 0.75f, true);

	/** Bytes of every entry of {@link #cache} plus every reservation. */
	private long heldBytes;

	private int computing;

	/** Heavy computations in flight (more than {@link #HEAVY_UNITS} of CPU each). */
	private int heavy;

	/**
	 * A computation estimated above this many CPU units (a traced event, an untraced
	 * connection: about 25 µs each) takes half a second or more of a core.
	 */
	static final long HEAVY_UNITS = 20_000;

	/**
	 * Heavy computations at once: all cores but one, so the event loops always have one.
	 */
	private final int maxHeavy = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);

	/** Set when the server stops: every computation stops at its next check. */
	private volatile boolean stopping;

	private static final class Entry {

		final NodeRun run;

		final ReplayStory story;

		final long bytes;

		int holders;

		Entry(NodeRun run, ReplayStory story, long bytes) {
			this.run = run;
			this.story = story;
			this.bytes = bytes;
		}

	}

	/**
	 * A run and the hold that keeps it in memory: release it when done with the run.
	 *
	 * @param run the run
	 * @param story its story, read once where it was computed ({@link ReplayStory});
	 * {@code null} for a run stopped at a step ({@link #atStep})
	 * @param lease the hold
	 */
	public record Held(NodeRun run, ReplayStory story, Lease lease) {
	}

	/** A traced run as computed, with its story. */
	private record Computed(NodeRun run, ReplayStory story) {
	}

	public Runs(RacetrackProperties properties, HeapWatch heap, RejectionMetrics metrics) {
		this.properties = properties;
		this.heap = heap;
		this.metrics = metrics;
		long cache = RacetrackProperties.heapShare(properties.runCacheHeapPercent());
		if (properties.maxCachedEvents() > 0) {
			cache = Math.min(cache, properties.maxCachedEvents() * BYTES_PER_EVENT);
		}
		this.cacheBytes = cache;
		this.budgetBytes = cache + RacetrackProperties.heapShare(properties.runBudgetHeapPercent());
		int threads = Math.max(1, properties.maxConcurrentRuns());
		this.scheduler = Schedulers.newBoundedElastic(threads, 1024, "runs", 60, true);
	}

	/** The most bytes all runs may hold together. */
	public long budgetBytes() {
		return this.budgetBytes;
	}

	/** The largest run a request may ask for, in bytes. */
	public long maxRunBytes() {
		return this.properties.maxTraceEvents() * BYTES_PER_EVENT;
	}

	/**
	 * The events a traced run of these parameters is expected to record, from the
	 * measured events per attempt of each scenario (TCP ≈ 80 a connection, DNS ≈ 220 a
	 * lookup) with room for retries (120 and 400), capped at the trace limit.
	 */
	public long estimatedEvents(RunParams params) {
		Scenario scenario = Scenarios.byId(params.scenario()).orElseThrow();
		if (scenario.replay()) {
			return 2_000;
		}
		long attempts = (long) params.pods() * params.rounds();
		long perAttempt = params.scenario().startsWith("dns") ? 400 : 120;
		return Math.min(this.properties.maxTraceEvents(), attempts * perAttempt);
	}

	/**
	 * A traced run, from the cache or computed (then cached), held until the lease is
	 * released. Refused with 429 or 503 when it does not fit. Asked again while it is
	 * being computed, it is computed once: a room that joins a new run together (the
	 * presenter's page, every follower's page and their first snapshots) shares one
	 * computation and one computation slot, rather than each taking one or a 429. The
	 * computation stops when every asker has gone.
	 */
	public Mono<Held> traced(RunParams params) {
		return Mono.defer(() -> {
			if (surelyOverTraceLimit(params)) {
				return Mono.error(tooManyEvents(this.properties.maxTraceEvents()));
			}
			Held cached = holdCached(params);
			if (cached != null) {
				return Mono.just(cached);
			}
			Computation computation = join(params);
			return computation.run.map((c) -> insert(params, c)).doOnCancel(() -> leave(computation));
		});
	}

	/** The traced runs being computed, by their parameters. */
	private final Map<RunParams, Computation> computations = new HashMap<>();

	/** One traced run being computed, and how many ask for it. */
	private final class Computation {

		final AtomicBoolean stop = new AtomicBoolean();

		Mono<Computed> run;

		int askers;

	}

	/**
	 * The computation of these parameters, joined; a new one (reserving its memory and
	 * slot, or refused) when none is running.
	 */
	private synchronized Computation join(RunParams params) {
		Computation c = this.computations.get(params);
		if (c == null) {
			long events = estimatedEvents(params);
			Lease reservation = reserve("traced", events * BYTES_PER_EVENT, events);
			Computation made = new Computation();
			// The story is read where the run is computed, on the runs' threads and
			// inside its slot: a race check may compute a few more small runs.
			// The check's runs stop with the run's computation (its askers went away, the
			// server is stopping).
			made.run = compute(params, Tracer.recording(this.properties.maxTraceEvents()), -1, made.stop)
				.map((run) -> new Computed(run,
						ReplayStory.of(params, run.trace().events(), () -> made.stop.get() || this.stopping)))
				.onErrorMap(RunStoppedException.class, Runs::stopped)
				.doFinally((s) -> {
					reservation.release();
					synchronized (this) {
						this.computations.remove(params, made);
					}
				})
				.cache();
			this.computations.put(params, made);
			c = made;
		}
		c.askers++;
		return c;
	}

	/**
	 * An asker went away before the run came: the last one stops the computation (at its
	 * next check), and the next asker starts another.
	 */
	private synchronized void leave(Computation c) {
		if (--c.askers == 0) {
			c.stop.set(true);
			this.computations.values().remove(c);
		}
	}

	/**
	 * Fewer events than this per connection or lookup were never seen (a TCP connect
	 * records about 80, a DNS lookup about 220): a run asking for more attempts than the
	 * trace limit allows at this rate is refused before it is computed.
	 */
	static final long MIN_EVENTS_PER_ATTEMPT = 20;

	private boolean surelyOverTraceLimit(RunParams params) {
		boolean replay = Scenarios.byId(params.scenario()).map(Scenario::replay).orElse(true);
		return !replay
				&& (long) params.pods() * params.rounds() * MIN_EVENTS_PER_ATTEMPT > this.properties.maxTraceEvents();
	}

	private static BadParameterException tooManyEvents(long limit) {
		return new BadParameterException("events",
				"This run produces more than " + limit + " events; ask for fewer pods or rounds, "
						+ "or for events=false to get the summary alone.",
				"events=false, or a run of at most " + limit + " events");
	}

	/** A traced run, blocking: for callers already off the event loop. */
	public Held tracedNow(RunParams params) {
		return traced(params).block();
	}

	/** How many bytes the runs hold now (cached, held and reserved). */
	public synchronized long heldBytes() {
		return this.heldBytes;
	}

	/** How many runs the cache holds. */
	public synchronized int cachedRuns() {
		return this.cache.size();
	}

	/**
	 * An untraced run: counters and flows only, held until the lease is released (not
	 * cached). Asked again while it is computed or held, it is computed once
	 * ({@link #shared}).
	 */
	public Mono<Held> untraced(RunParams params) {
		return shared(new SharedKey(params, -1), () -> {
			long attempts = (long) params.pods() * params.rounds();
			long units = attempts * (params.scenario().startsWith("dns") ? 2 : 1);
			return reserve("untraced", Math.max(1_000_000, attempts * UNTRACED_BYTES_PER_ATTEMPT), units);
		}, (stop) -> compute(params, Tracer.off(), -1, stop));
	}

	/**
	 * The live model at step {@code step}: a traced run stopped right after that event
	 * (not cached: it is left frozen mid-run), held by the caller until the returned
	 * lease is released; the caller only reads it. Asked again while it is computed or
	 * held (a class exporting the table at the step the teacher named), it is computed
	 * once ({@link #shared}). The caller checks that the step exists.
	 */
	public Mono<Held> atStep(RunParams params, long step) {
		return shared(new SharedKey(params, step), () -> {
			long events = Math.min(step + 1, this.properties.maxTraceEvents());
			return reserve("at-step", events * BYTES_PER_EVENT, events);
		}, (stop) -> compute(params, Tracer.recording(this.properties.maxTraceEvents()), step, stop));
	}

	/** What a shared run is: its parameters and the step it stops at (-1: none). */
	private record SharedKey(RunParams params, long step) {
	}

	/**
	 * An uncached run being computed or read: one reservation and one computation for
	 * everyone who asked while it lasts.
	 */
	private static final class Shared {

		final AtomicBoolean stop = new AtomicBoolean();

		Lease reservation;

		Mono<NodeRun> run;

		int users;

	}

	/** The uncached runs being computed or read, by what they are. */
	private final Map<SharedKey, Shared> shared = new HashMap<>();

	/**
	 * A run nobody keeps once read (untraced, or stopped at a step), shared by everyone
	 * who asks for it while it is computed or held: thirty students pressing the same
	 * export at once each took a computation slot, and some got a 429. The reservation is
	 * given back, and a computation still running stopped, when the last of them releases
	 * it; an error (a limit, the server stopping) reaches all of them.
	 */
	private Mono<Held> shared(SharedKey key, Supplier<Lease> reserve, Function<AtomicBoolean, Mono<NodeRun>> compute) {
		return Mono.defer(() -> {
			Shared work = joinShared(key, reserve, compute);
			Lease mine = new Lease(() -> leaveShared(key, work));
			return work.run.map((run) -> new Held(run, null, mine))
				.doOnCancel(mine::release)
				.doOnError((ex) -> mine.release());
		});
	}

	private synchronized Shared joinShared(SharedKey key, Supplier<Lease> reserve,
			Function<AtomicBoolean, Mono<NodeRun>> compute) {
		Shared work = this.shared.get(key);
		if (work == null) {
			Lease reservation = reserve.get();
			work = new Shared();
			work.reservation = reservation;
			work.run = compute.apply(work.stop).cache();
			this.shared.put(key, work);
		}
		work.users++;
		return work;
	}

	private void leaveShared(SharedKey key, Shared work) {
		synchronized (this) {
			if (--work.users > 0) {
				return;
			}
			work.stop.set(true);
			this.shared.remove(key, work);
		}
		work.reservation.release();
	}

	/** How many uncached runs are being computed or read. */
	synchronized int sharedRuns() {
		return this.shared.size();
	}

	/**
	 * The heap an experiment's trial (an untraced run) needs, taken from the same budget
	 * as every run; the trial waits (it is not refused) while the budget is full, and
	 * stops waiting when its experiment is cancelled. No computation slot is taken:
	 * experiments run on their own threads.
	 */
	public Mono<Lease> trialMemory(RunParams params) {
		long bytes = Math.max(1_000_000, (long) params.pods() * params.rounds() * UNTRACED_BYTES_PER_ATTEMPT);
		return Mono.fromCallable(() -> reserveMemory(bytes))
			.retryWhen(reactor.util.retry.Retry.fixedDelay(Long.MAX_VALUE, java.time.Duration.ofMillis(100))
				.filter((ex) -> ex instanceof TooManyRequestsException));
	}

	private synchronized Lease reserveMemory(long bytes) {
		evictFor(bytes);
		if (this.heldBytes + bytes > this.budgetBytes
				|| this.heap.percentAfterGc() > this.properties.heapAdmitPercent()) {
			throw new TooManyRequestsException("run-memory", "waiting for memory");
		}
		this.heldBytes += bytes;
		return new Lease(() -> {
			synchronized (this) {
				this.heldBytes -= bytes;
			}
		});
	}

	private synchronized Held holdCached(RunParams params) {
		Entry e = this.cache.get(params);
		if (e == null) {
			return null;
		}
		e.holders++;
		return new Held(e.run, e.story, new Lease(() -> unhold(e)));
	}

	private synchronized void unhold(Entry e) {
		e.holders--;
		trimCache();
	}

	/**
	 * Evicts the least recently used runs nobody holds while they take more than the
	 * cache's share; the most recent one stays even when it alone is larger.
	 */
	private void trimCache() {
		long unheld = 0;
		for (Entry e : this.cache.values()) {
			if (e.holders == 0) {
				unheld += e.bytes;
			}
		}
		Iterator<Map.Entry<RunParams, Entry>> it = this.cache.entrySet().iterator();
		while (unheld > this.cacheBytes && this.cache.size() > 1 && it.hasNext()) {
			Entry e = it.next().getValue();
			if (e.holders == 0) {
				unheld -= e.bytes;
				this.heldBytes -= e.bytes;
				it.remove();
			}
		}
	}

	/**
	 * Takes {@code bytes} of the budget and a computation slot, evicting runs nobody
	 * holds as needed; or refuses.
	 */
	private synchronized Lease reserve(String work, long bytes, long cpuUnits) {
		if (this.heap.percentAfterGc() > this.properties.heapAdmitPercent()) {
			this.metrics.refused("runs", "heap");
			logHeapRefusal();
			throw new ServiceUnavailableException("heap", "The server's memory is nearly full ("
					+ this.heap.percentAfterGc() + " % in use after the last " + "collection); try again in a moment.");
		}
		if (this.computing >= Math.max(1, this.properties.maxConcurrentRuns())) {
			this.metrics.refused("runs", "cpu");
			throw new TooManyRequestsException("runs", "The server is already computing "
					+ this.properties.maxConcurrentRuns() + " runs; try again in a moment.");
		}
		boolean isHeavy = cpuUnits > HEAVY_UNITS;
		if (isHeavy && this.heavy >= this.maxHeavy) {
			this.metrics.refused("runs", "cpu");
			throw new TooManyRequestsException("runs", "The server is already computing " + this.maxHeavy
					+ " large run(s), as many as its cores allow; try again in a moment, or ask for fewer pods or rounds.");
		}
		evictFor(bytes);
		if (this.heldBytes + bytes > this.budgetBytes) {
			this.metrics.refused("runs", "memory");
			throw new TooManyRequestsException("run-memory",
					"The runs being computed and served already hold " + (this.heldBytes >> 20) + " MB of the "
							+ (this.budgetBytes >> 20) + " MB they may use; this one needs about " + (bytes >> 20)
							+ " MB. Try again in a moment, or ask for fewer pods or rounds.");
		}
		this.heldBytes += bytes;
		this.computing++;
		if (isHeavy) {
			this.heavy++;
		}
		this.metrics.admitted("runs");
		AtomicBoolean computingDone = new AtomicBoolean();
		return new Lease(() -> {
			synchronized (this) {
				this.heldBytes -= bytes;
				if (computingDone.compareAndSet(false, true)) {
					this.computing--;
					if (isHeavy) {
						this.heavy--;
					}
				}
			}
		});
	}

	/** When a heap refusal was last logged (nanoTime), or 0. */
	private long heapRefusalLoggedNanos;

	/**
	 * Says in the log, at most once a minute, that runs are refused because the heap is
	 * nearly full, with the figures: the one refusal an operator cannot read from the
	 * request alone (it depends on everything else the server holds).
	 */
	private void logHeapRefusal() {
		long now = System.nanoTime();
		if (this.heapRefusalLoggedNanos != 0 && now - this.heapRefusalLoggedNanos < 60_000_000_000L) {
			return;
		}
		this.heapRefusalLoggedNanos = now;
		log.warn("Refusing runs: " + (this.heap.usedAfterGc() >> 20) + " MB of the heap's " + (this.heap.max() >> 20)
				+ " MB in use after the last collection (" + this.heap.percentAfterGc()
				+ " %, over racetrack.heap-admit-percent=" + this.properties.heapAdmitPercent() + "); runs held: "
				+ (this.heldBytes >> 20) + " MB");
	}

	/**
	 * Evicts the least recently used runs nobody holds until {@code bytes} more fit the
	 * budget.
	 */
	private void evictFor(long bytes) {
		Iterator<Map.Entry<RunParams, Entry>> it = this.cache.entrySet().iterator();
		while (this.heldBytes + bytes > this.budgetBytes && it.hasNext()) {
			Entry e = it.next().getValue();
			if (e.holders == 0) {
				this.heldBytes -= e.bytes;
				it.remove();
			}
		}
	}

	private synchronized Held insert(RunParams params, Computed computed) {
		Entry existing = this.cache.get(params);
		if (existing != null) {
			existing.holders++;
			return new Held(existing.run, existing.story, new Lease(() -> unhold(existing)));
		}
		NodeRun run = computed.run();
		Entry e = new Entry(run, computed.story(), run.trace().size() * BYTES_PER_EVENT);
		e.holders = 1;
		this.cache.put(params, e);
		this.heldBytes += e.bytes;
		trimCache();
		return new Held(run, computed.story(), new Lease(() -> unhold(e)));
	}

	/**
	 * A run, computed on the runs' threads; it stops once {@code stop} is set, or when
	 * its subscriber cancels.
	 */
	private Mono<NodeRun> compute(RunParams params, Tracer tracer, long step, AtomicBoolean stop) {
		return Mono.fromCallable(() -> {
			try {
				return (step < 0)
						? ScenarioRunner.run(params, TimingModel.calibrated(), tracer,
								(r) -> r.sim().stopWhen(() -> stop.get() || this.stopping))
						: ScenarioRunner.runToStep(params, TimingModel.calibrated(), tracer, step,
								(r) -> r.sim().stopWhen(() -> stop.get() || this.stopping));
			}
			catch (TraceLimitExceededException ex) {
				throw tooManyEvents(ex.limit());
			}
		})
			.subscribeOn(this.scheduler)
			.doOnCancel(() -> stop.set(true))
			.onErrorMap(RunStoppedException.class, Runs::stopped);
	}

	private static ServiceUnavailableException stopped(RunStoppedException ex) {
		return new ServiceUnavailableException("stopping", "The run was stopped.");
	}

	/** Stops every computation (the server is shutting down). */
	@Override
	public void stop() {
		this.stopping = true;
	}

	@Override
	public void start() {
		this.stopping = false;
	}

	@Override
	public boolean isRunning() {
		return !this.stopping;
	}

	@Override
	public void destroy() {
		stop();
		this.scheduler.dispose();
	}

}
