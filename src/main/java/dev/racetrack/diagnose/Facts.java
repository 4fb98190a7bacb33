package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import dev.racetrack.diagnose.KernelFixes.Fix;
import dev.racetrack.kernel.KernelProfile;

/**
 * Everything read from one {@link NodeSample}, and the few numbers every finding needs.
 *
 * @param kernel the kernel as read, with its clash fixes
 * @param stats the first (or only) statistics sample
 * @param nat the nat table (iptables-save, -S, -L or nft)
 * @param resolver the pod's resolver configuration
 * @param rates the counters' rise between two samples, when two were given
 * @param extras sysctl values, kernel log lines, conntrack -L entries, nodes
 * @param hints what tool messages said ({@link PasteHints})
 * @param cilium what {@code cilium status} said, when pasted
 */
record Facts(KernelMatch kernel, ConntrackStats stats, NatTable nat, ResolverConfig resolver,
		Optional<CounterRates> rates, NodeExtras extras, List<String> hints, CiliumStatus cilium) {

	/** The most per-CPU lines quoted as evidence. */
	static final int MAX_CPU_LINES = 8;

	KernelProfile profile() {
		return this.kernel.profile();
	}

	KernelFixes fixes() {
		return this.kernel.fixes();
	}

	boolean statsRead() {
		return this.stats.readable();
	}

	boolean natRead() {
		return this.nat.read();
	}

	long total(String counter) {
		return this.stats.total(counter);
	}

	/** Whether a lost clash counts {@code drop} (since 71d8c47fc653, 2016). */
	boolean dropCounted() {
		return fixes().dropCounted();
	}

	/** Packets the counters say were dropped since they started. */
	long dropsSinceBoot() {
		return dropCounted() ? total(Counter.DROP) : Math.max(total(Counter.DROP), total(Counter.INSERT_FAILED));
	}

	/**
	 * Drops that a clash explains: a lost clash always counts insert_failed, so at most
	 * min(drop, insert_failed).
	 */
	long clashDropsSinceBoot() {
		return dropCounted() ? Math.min(total(Counter.DROP), total(Counter.INSERT_FAILED))
				: total(Counter.INSERT_FAILED);
	}

	/**
	 * Drops that no insert race explains: drop beyond insert_failed. None can be told
	 * apart when insert_failed was not pasted ({@link #unsplitDropsSinceBoot}).
	 */
	long otherDropsSinceBoot() {
		return insertFailedRead() ? Math.max(0, total(Counter.DROP) - total(Counter.INSERT_FAILED)) : 0;
	}

	/**
	 * Drops counted when insert_failed was not pasted (an exporter's metrics cut short, a
	 * panel of drop alone): lost insert races or a full table, which only insert_failed
	 * tells apart.
	 */
	long unsplitDropsSinceBoot() {
		return insertFailedRead() ? 0 : total(Counter.DROP);
	}

	/** Whether the statistics pasted have insert_failed at all. */
	boolean insertFailedRead() {
		return this.stats.has(Counter.INSERT_FAILED);
	}

	/** The rise of a counter between the samples, when two were given. */
	OptionalLong delta(String counter) {
		return this.rates.isPresent() ? this.rates.get().delta(counter) : OptionalLong.empty();
	}

	/** Clash drops between the samples. */
	long clashDropsNow() {
		long drop = delta(Counter.DROP).orElse(0);
		long insertFailed = delta(Counter.INSERT_FAILED).orElse(0);
		return dropCounted() ? Math.min(drop, insertFailed) : insertFailed;
	}

	/** Drops between the samples that no clash explains (a full table, an allocation). */
	long otherDropsNow() {
		return Math.max(0, delta(Counter.DROP).orElse(0) - delta(Counter.INSERT_FAILED).orElse(0));
	}

	/** Every drop between the samples. */
	long dropsNow() {
		return dropCounted() ? delta(Counter.DROP).orElse(0)
				: Math.max(delta(Counter.DROP).orElse(0), delta(Counter.INSERT_FAILED).orElse(0));
	}

	/** A per-minute figure for a number of events between the samples. */
	double perMinute(long events) {
		return this.rates.map((r) -> events * 60.0 / r.intervalSeconds()).orElse(0.0);
	}

	/** Whether the kernel log shows the table full (packets dropped). */
	boolean tableFullLogged() {
		return !this.extras.tableFull().isEmpty();
	}

	/** Whether packets are being lost now: between two samples, or in the kernel log. */
	boolean lossNow() {
		return dropsNow() > 0 || tableFullLogged();
	}

	/** Whether two samples were given. */
	boolean twoSamples() {
		return this.rates.isPresent();
	}

	/**
	 * Whether a race's fix is missing here (drops, or cannot tell).
	 */
	boolean raceDrops(String id) {
		return fixes().race(id) != Fix.FIXED;
	}

	/** Whether pod lookups skip DNAT and conntrack through NodeLocal DNSCache. */
	/**
	 * Whether Cilium's eBPF, not kube-proxy's iptables DNAT, translates lookups to the
	 * cluster DNS: {@code cilium status} says it replaces kube-proxy, and no kube-proxy
	 * rule for the cluster DNS was pasted beside it ({@link CiliumRule}).
	 */
	boolean dnsTranslatedByCilium() {
		return this.cilium.replacesKubeProxy() && this.nat.dnsService().isEmpty();
	}

	boolean dnsProtected() {
		return nodeLocalDns();
	}

	/**
	 * Whether NodeLocal DNSCache is in use: the pod's nameserver is its address, or
	 * {@code kubectl get pods} shows its pods serving, or {@code kubectl get daemonsets}
	 * its DaemonSet ready. With kube-proxy in iptables mode it also answers on the
	 * cluster DNS service's IP (kubernetes.io, "Using NodeLocal DNSCache"), so pods keep
	 * their nameserver and skip DNAT and conntrack.
	 */
	boolean nodeLocalDns() {
		return this.resolver.usesNodeLocalDns() || this.extras.nodeLocalDnsEvidence().isPresent();
	}

	/**
	 * {@code conntrack -S, 4 CPUs: insert_failed=93 drop=93 …}, then busy CPUs' lines.
	 */
	List<String> counterEvidence(List<String> counters) {
		List<String> evidence = new ArrayList<>();
		if (!statsRead()) {
			return evidence;
		}
		String where = this.stats.cpus().isEmpty()
				? (this.stats.firstCpuOnly() ? "summary form (the first CPU only: node totals are at least these)"
						: (this.stats.format() == ConntrackStats.Format.METRICS)
								? "summed over the CPUs by the exporter" : "summary")
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
