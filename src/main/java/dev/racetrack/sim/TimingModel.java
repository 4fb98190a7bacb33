package dev.racetrack.sim;

/**
 * How long things take on the modelled node, in nanoseconds. Every race window in
 * Racetrack emerges from these durations and from arrival times; nothing says where a
 * race happens.
 *
 * <p>
 * <b>Per-packet work.</b> Each hook step runs on one CPU for its nominal duration,
 * jittered by ±{@link #stepJitter} from the run's seed. The numbers are of the order a
 * 2018 server spends in these functions (a few hundred nanoseconds each), so that a
 * packet crosses the node in about 2 µs and the SNAT window (port chosen → confirm) lasts
 * about 0.5 to 1 µs plus the port search, in line with XING's observation that the
 * colliding connections started within 0–2 µs of each other.
 *
 * <p>
 * <b>Arrivals (free play).</b> Within a round, the connects of the pods leave the pods as
 * a Poisson stream with mean gap {@link #connectGapMeanNanos}: the node's CPUs run the
 * client threads, each {@code connect()} costing CPU time, so connections reach the
 * bridge at a rate set by the node and not by the number of pods. With 2 CPUs and a ~0.6
 * µs window, a mean gap of 20 µs gives the collision chance per rover-chosen port of
 * about 1 − e^(−0.6/20) ≈ 3 %, the middle of XING's 2–4 % for 10–80 threads. This is the
 * one calibration, made once against that figure and snat-race-conn-test's ≈2 %; it is
 * not tuned per case.
 *
 * <p>
 * <b>A and AAAA.</b> glibc hands both queries to one {@code sendmmsg}; the second leaves
 * {@link #dnsPairGapMinNanos} plus an exponential {@link #dnsPairGapMeanNanos} after the
 * first. On an idle node the pair races when the second packet's {@code nf_conntrack_in}
 * comes before the first one's confirm (about 1.5 µs later), about 2–3 % of pairs; under
 * load, queueing makes it more likely. No published per-lookup rate exists to calibrate
 * this against.
 *
 * @param stepJitter relative jitter of every hook step (e.g. 0.2 for ±20 %)
 * @param conntrackInNanos {@code nf_conntrack_in} (and the raw table)
 * @param natHookNanos a nat hook's base cost
 * @param ruleNanos per iptables rule that matched
 * @param usedTupleNanos per {@code nf_nat_used_tuple} call
 * @param forwardNanos routing and the filter FORWARD chain
 * @param natPacketNanos {@code nf_nat_packet}
 * @param confirmNanos {@code __nf_conntrack_confirm}
 * @param vethNanos pod stack to the bridge
 * @param wireNanos one way between eth0 and a remote host
 * @param serverNanos a remote host's processing before answering
 * @param podStackNanos a pod answering a packet (e.g. the ACK to a SYN-ACK)
 * @param holdNanos how long a client keeps a connection before closing it
 * @param connectGapMeanNanos mean gap between connects in a free-play round
 * @param lookupGapMeanNanos mean gap between lookups in a free-play round
 * @param dnsPairGapMinNanos minimum gap between A and AAAA
 * @param dnsPairGapMeanNanos mean of the exponential part of that gap
 * @param roundPauseNanos pause between the end of one round and the next
 * @param clientPathJitterNanos mean of the exponential part of a pod packet's path from
 * the sending call to the bridge (free play only)
 * @param tickerSpreadNanos how far apart the workers' dials of one ticker tick land (each
 * uniform in {@code [0, spread)} after the tick)
 */
public record TimingModel(double stepJitter, long conntrackInNanos, long natHookNanos, long ruleNanos,
		long usedTupleNanos, long forwardNanos, long natPacketNanos, long confirmNanos, long vethNanos, long wireNanos,
		long serverNanos, long podStackNanos, long holdNanos, long connectGapMeanNanos, long lookupGapMeanNanos,
		long dnsPairGapMinNanos, long dnsPairGapMeanNanos, long roundPauseNanos, long clientPathJitterNanos,
		long tickerSpreadNanos) {

	/** Shape of the client path's Lomax jitter (part of the kernel-side fit). */
	public static final double CLIENT_PATH_SHAPE = 2.2;

	/** The ticker burst spread (the client-side fit). */
	static final long TICKER_SPREAD_NANOS = 230_000;

	/** The calibrated defaults (see the class comment). */
	public static TimingModel calibrated() {
		return new TimingModel(0.2, 1_000, 500, 30, 40, 2_300, 250, 250, 1_000, 100_000, 30_000, 5_000, 1_000_000,
				20_000, 50_000, 1_200, 10_000, 1_000_000, 3_000, TICKER_SPREAD_NANOS);
	}

}
