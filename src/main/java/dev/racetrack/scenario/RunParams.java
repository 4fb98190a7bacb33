package dev.racetrack.scenario;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.sim.SnatMode;

/**
 * The knobs of one run: a scenario and everything the user can set, including the seed.
 * The same parameters always give the same run.
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
 */
public record RunParams(String scenario, KernelProfile kernel, SnatMode mode, ResolverKind resolver, int pods,
		int rounds, int sourcePort, int cpus, int endpoints, long seed, Mitigation mitigation, int ndots) {

	/** Upper bounds of every knob (src/docs/PRODUCT.md §3 asks for at least these). */
	public static final int MAX_PODS = 128;

	public static final int MAX_ROUNDS = 1000;

	public static final int MAX_CPUS = 16;

	public static final int MAX_ENDPOINTS = 16;

	public static final int MAX_NDOTS = 15;

	public RunParams withKernel(KernelProfile k) {
		return new RunParams(this.scenario, k, this.mode, this.resolver, this.pods, this.rounds, this.sourcePort,
				this.cpus, this.endpoints, this.seed, this.mitigation, this.ndots);
	}

	public RunParams withMode(SnatMode m) {
		return new RunParams(this.scenario, this.kernel, m, this.resolver, this.pods, this.rounds, this.sourcePort,
				this.cpus, this.endpoints, this.seed, this.mitigation, this.ndots);
	}

	public RunParams withSeed(long s) {
		return new RunParams(this.scenario, this.kernel, this.mode, this.resolver, this.pods, this.rounds,
				this.sourcePort, this.cpus, this.endpoints, s, this.mitigation, this.ndots);
	}

	public RunParams withMitigation(Mitigation m) {
		return new RunParams(this.scenario, this.kernel, this.mode, this.resolver, this.pods, this.rounds,
				this.sourcePort, this.cpus, this.endpoints, this.seed, m, this.ndots);
	}

	public RunParams withPods(int p) {
		return new RunParams(this.scenario, this.kernel, this.mode, this.resolver, p, this.rounds, this.sourcePort,
				this.cpus, this.endpoints, this.seed, this.mitigation, this.ndots);
	}

	public RunParams withResolver(ResolverKind r) {
		return new RunParams(this.scenario, this.kernel, this.mode, r, this.pods, this.rounds, this.sourcePort,
				this.cpus, this.endpoints, this.seed, this.mitigation, this.ndots);
	}

}
