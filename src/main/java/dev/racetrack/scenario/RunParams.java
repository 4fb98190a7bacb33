package dev.racetrack.scenario;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;

/**
 * The knobs of one run: a scenario and everything the user can set, including the seed.
 * The same parameters always give the same run. Build one by name with
 * {@link #builder(String)} (or change one with {@link #toBuilder()} or a {@code withX}
 * method), never by position.
 *
 * @param scenario the scenario id
 * @param kernel the kernel profile
 * @param mode the SNAT port allocation mode
 * @param resolver the pods' DNS resolver
 * @param pods the number of pods
 * @param rounds connections (or lookups) per pod
 * @param sourcePort 0 for ephemeral ports, else the port every pod binds
 * @param cpus the node's CPUs
 * @param endpoints kube-dns endpoints
 * @param seed the root seed
 * @param mitigation the remedy applied
 * @param ndots resolv.conf ndots
 * @param workload how free play's clients generate load
 * @param workers client threads per pod (barrier, ticker, closed)
 * @param periodMs a ticker's period, or a closed loop's pause between connections
 * @param durationS simulated seconds of a sustained workload
 * @param warmupS the first seconds, left out of the rates
 * @param connectTimeoutMs a connect not done by then is given up and counts as an error;
 * 0: the kernel's own SYN retries
 * @param preset the published test whose workload this is, or {@link Preset#NONE}
 */
public record RunParams(String scenario, KernelProfile kernel, SnatMode mode, ResolverKind resolver, int pods,
		int rounds, int sourcePort, int cpus, int endpoints, long seed, Mitigation mitigation, int ndots,
		WorkloadKind workload, int workers, int periodMs, int durationS, int warmupS, int connectTimeoutMs,
		Preset preset) {

	/** Upper bounds of every knob (src/docs/PRODUCT.md §3 asks for at least these). */
	public static final int MAX_PODS = 128;

	public static final int MAX_ROUNDS = 1000;

	public static final int MAX_CPUS = 16;

	public static final int MAX_ENDPOINTS = 16;

	public static final int MAX_NDOTS = 15;

	public static final int MAX_WORKERS = 80;

	public static final int MAX_PERIOD_MS = 60_000;

	/** A sustained run lasts at most an hour of simulated time. */
	public static final int MAX_DURATION_S = 3_600;

	public static final int MAX_CONNECT_TIMEOUT_MS = 600_000;

	/**
	 * The connection attempts this run will make, at most (closed loops: as if every
	 * connection took no time), for the limits of experiments.
	 */
	public long attemptsBound() {
		long clients = (long) this.pods * this.workers;
		return switch (this.workload) {
			case ROUNDS -> (long) this.pods * this.rounds;
			case BARRIER -> clients * this.rounds;
			case TICKER -> clients * (this.durationS * 1000L / this.periodMs + 1);
			case CLOSED -> clients * (this.durationS * 1000L / Math.max(1, this.periodMs) + 1);
		};
	}

	/**
	 * A builder for a run of {@code scenario}, starting from the values most scenarios
	 * share: 4.17, {@code default}, glibc, 2 pods × 1 round from ephemeral ports, 2 CPUs,
	 * 2 endpoints, seed 1, no mitigation, ndots 5.
	 */
	public static Builder builder(String scenario) {
		return new Builder(scenario);
	}

	/** A builder holding these parameters, to change some of them by name. */
	public Builder toBuilder() {
		return new Builder(this.scenario).kernel(this.kernel)
			.mode(this.mode)
			.resolver(this.resolver)
			.pods(this.pods)
			.rounds(this.rounds)
			.sourcePort(this.sourcePort)
			.cpus(this.cpus)
			.endpoints(this.endpoints)
			.seed(this.seed)
			.mitigation(this.mitigation)
			.ndots(this.ndots)
			.workload(this.workload)
			.workers(this.workers)
			.periodMs(this.periodMs)
			.durationS(this.durationS)
			.warmupS(this.warmupS)
			.connectTimeoutMs(this.connectTimeoutMs)
			.preset(this.preset);
	}

	public RunParams withKernel(KernelProfile k) {
		return toBuilder().kernel(k).build();
	}

	public RunParams withMode(SnatMode m) {
		return toBuilder().mode(m).build();
	}

	public RunParams withSeed(long s) {
		return toBuilder().seed(s).build();
	}

	public RunParams withMitigation(Mitigation m) {
		return toBuilder().mitigation(m).build();
	}

	public RunParams withPods(int p) {
		return toBuilder().pods(p).build();
	}

	public RunParams withResolver(ResolverKind r) {
		return toBuilder().resolver(r).build();
	}

	/** Sets the knobs of a {@link RunParams} by name. */
	public static final class Builder {

		private final String scenario;

		private KernelProfile kernel = KernelProfile.V4_17;

		private SnatMode mode = SnatMode.DEFAULT;

		private ResolverKind resolver = ResolverKind.GLIBC;

		private int pods = 2;

		private int rounds = 1;

		private int sourcePort;

		private int cpus = 2;

		private int endpoints = 2;

		private long seed = 1;

		private Mitigation mitigation = Mitigation.NONE;

		private int ndots = 5;

		private WorkloadKind workload = WorkloadKind.ROUNDS;

		private int workers = 1;

		private int periodMs = 100;

		private int durationS = 10;

		private int warmupS;

		private int connectTimeoutMs;

		private Preset preset = Preset.NONE;

		private Builder(String scenario) {
			this.scenario = scenario;
		}

		public Builder kernel(KernelProfile kernel) {
			this.kernel = kernel;
			return this;
		}

		public Builder mode(SnatMode mode) {
			this.mode = mode;
			return this;
		}

		public Builder resolver(ResolverKind resolver) {
			this.resolver = resolver;
			return this;
		}

		public Builder pods(int pods) {
			this.pods = pods;
			return this;
		}

		public Builder rounds(int rounds) {
			this.rounds = rounds;
			return this;
		}

		/** 0 for ephemeral ports, else the port every pod binds. */
		public Builder sourcePort(int sourcePort) {
			this.sourcePort = sourcePort;
			return this;
		}

		public Builder cpus(int cpus) {
			this.cpus = cpus;
			return this;
		}

		public Builder endpoints(int endpoints) {
			this.endpoints = endpoints;
			return this;
		}

		public Builder seed(long seed) {
			this.seed = seed;
			return this;
		}

		public Builder mitigation(Mitigation mitigation) {
			this.mitigation = mitigation;
			return this;
		}

		public Builder ndots(int ndots) {
			this.ndots = ndots;
			return this;
		}

		public Builder workload(WorkloadKind workload) {
			this.workload = workload;
			return this;
		}

		public Builder workers(int workers) {
			this.workers = workers;
			return this;
		}

		public Builder periodMs(int periodMs) {
			this.periodMs = periodMs;
			return this;
		}

		public Builder durationS(int durationS) {
			this.durationS = durationS;
			return this;
		}

		public Builder warmupS(int warmupS) {
			this.warmupS = warmupS;
			return this;
		}

		/** 0: no timeout but the kernel's own SYN retries. */
		public Builder connectTimeoutMs(int connectTimeoutMs) {
			this.connectTimeoutMs = connectTimeoutMs;
			return this;
		}

		public Builder preset(Preset preset) {
			this.preset = preset;
			return this;
		}

		/** Applies a preset's workload (see {@link Preset#applyTo}). */
		public Builder applyPreset(Preset p) {
			return p.applyTo(this);
		}

		public RunParams build() {
			return new RunParams(this.scenario, this.kernel, this.mode, this.resolver, this.pods, this.rounds,
					this.sourcePort, this.cpus, this.endpoints, this.seed, this.mitigation, this.ndots, this.workload,
					this.workers, this.periodMs, this.durationS, this.warmupS, this.connectTimeoutMs, this.preset);
		}

	}

}
