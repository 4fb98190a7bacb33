package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;

/**
 * Everything read from one {@link NodeSample}, and the few numbers every finding needs.
 *
 * @param kernel the modelled kernel the node is read as
 * @param stats the first (or only) statistics sample
 * @param nat the nat table
 * @param resolver the pod's resolver configuration
 * @param rates the counters' rise between two samples, when two were given
 */
record Facts(KernelMatch kernel, ConntrackStats stats, NatTable nat, ResolverConfig resolver,
		Optional<CounterRates> rates) {

	/** The most per-CPU lines quoted as evidence. */
	static final int MAX_CPU_LINES = 8;

	KernelProfile profile() {
		return this.kernel.profile();
	}

	boolean statsRead() {
		return this.stats.readable();
	}

	boolean natRead() {
		return !this.nat.rules().isEmpty();
	}

	long total(String counter) {
		return this.stats.total(counter);
	}

	/**
	 * Whether {@code insert_failed} counts only lost packets on this kernel: on 4.17
	 * every clash drops, and from 5.10 a resolved clash counts {@code clash_resolve}
	 * instead. From 4.19 to 5.9 a resolved clash also counts {@code insert_failed}.
	 */
	boolean insertFailedMeansLoss() {
		return !profile().has(KernelBehaviour.RESOLVE_MATCHING_CLASH)
				|| profile().has(KernelBehaviour.CLASH_RESOLVE_COUNTER);
	}

	/**
	 * Whether the counters show packets lost now: a rise of {@code drop} between two
	 * samples, or, with one sample, any {@code drop} (or {@code insert_failed} where it
	 * means a loss).
	 */
	boolean lossNow() {
		if (this.rates.isPresent() && this.rates.get().delta(Counter.DROP).isPresent()) {
			return lossIn(this.rates.get().delta(Counter.DROP), this.rates.get().delta(Counter.INSERT_FAILED));
		}
		return total(Counter.DROP) > 0 || (insertFailedMeansLoss() && total(Counter.INSERT_FAILED) > 0);
	}

	private boolean lossIn(OptionalLong drop, OptionalLong insertFailed) {
		return drop.orElse(0) > 0 || (insertFailedMeansLoss() && insertFailed.orElse(0) > 0);
	}

	/** Whether the counters show drops since boot, but none between the two samples. */
	boolean lostOnlyBefore() {
		return !lossNow() && (total(Counter.DROP) > 0);
	}

	/**
	 * Clashes the kernel resolved: {@code clash_resolve} from 5.10, {@code insert_failed}
	 * minus {@code drop} from 4.19 to 5.9, none on 4.17.
	 */
	long resolvedClashes() {
		if (profile().has(KernelBehaviour.CLASH_RESOLVE_COUNTER)) {
			return total(Counter.CLASH_RESOLVE);
		}
		if (profile().has(KernelBehaviour.RESOLVE_MATCHING_CLASH)) {
			return Math.max(0, total(Counter.INSERT_FAILED) - total(Counter.DROP));
		}
		return 0;
	}

	/**
	 * {@code conntrack -S, 4 CPUs: insert_failed=93 drop=93 …}, then busy CPUs' lines.
	 */
	List<String> counterEvidence(List<String> counters) {
		List<String> evidence = new ArrayList<>();
		if (!statsRead()) {
			return evidence;
		}
		String where = this.stats.cpus().isEmpty() ? "summary"
				: "sum of " + this.stats.cpus().size() + " CPU" + ((this.stats.cpus().size() == 1) ? "" : "s");
		evidence.add(this.stats.format().title() + ", " + where + ": " + values(counters, this.stats::total));
		List<CpuCounters> busy = this.stats.cpus()
			.stream()
			.filter((cpu) -> counters.stream().anyMatch((c) -> cpu.get(c) > 0))
			.toList();
		for (CpuCounters cpu : busy.subList(0, Math.min(MAX_CPU_LINES, busy.size()))) {
			evidence.add("line " + cpu.line() + ": cpu=" + cpu.cpu() + " " + values(counters, cpu::get));
		}
		if (busy.size() > MAX_CPU_LINES) {
			evidence.add("… and " + (busy.size() - MAX_CPU_LINES) + " more CPUs");
		}
		return evidence;
	}

	private String values(List<String> counters, java.util.function.ToLongFunction<String> value) {
		List<String> parts = new ArrayList<>();
		for (String counter : counters) {
			if (this.stats.has(counter)) {
				parts.add(counter + "=" + value.applyAsLong(counter));
			}
		}
		return String.join(" ", parts);
	}

}
