package dev.racetrack.sim;

/**
 * How long things take on the modelled node, in nanoseconds. Every race window in
 * Racetrack emerges from these durations and from arrival times; nothing says where a
 * race happens. Two calibrations were made, once each, and nothing is tuned per case
 * (src/docs/PRODUCT.md §1):
 *
 * <p>
 * <b>1. The kernel side</b> (src/docs/kernel-window.md §1, a real 6.18 kernel on a 2-vCPU
 * cloud VM): the hook steps' costs and the client path's jitter were chosen so that the
 * model's chance of a clash against the skew of two packets, measured as the real
 * experiment was ({@code experiment.WindowCurve}), follows the measured SNAT and DNS
 * curves: {@code nf_conntrack_in} 1 µs, a nat hook 0.5 µs plus 30 ns per rule,
 * routing/forward 1.5 µs, {@code nf_nat_packet} and the confirm 0.25 µs each (±20 %), and
 * in free play one packet in five stalled in routing/forward by an exponential 5 µs more
 * (an interrupt or a cache-cold route while the softirq holds the packet), so the SNAT
 * window (tuple check → confirm) is ≈0.8 µs and the DNS window ({@code nf_conntrack_in} →
 * confirm) ≈3.7 µs with a tail; a pod's packet reaches {@code cni0} 1 µs after the call
 * plus, in free play, a Lomax draw of shape {@link #CLIENT_PATH_SHAPE} and mean
 * {@link #clientPathJitterNanos} (3 µs) for a {@code connect()}'s SYN,
 * {@link #sendPathJitterNanos} (2 µs) for a UDP {@code send} on a connected socket (a
 * shorter path: no port search, no route lookup). Refit once (December 2026) for both
 * curves together: a jitter of the send path alone cannot give the DNS curve's 0.87 at
 * zero skew and its 0.2 at 6–8 µs (a symmetric jitter that spreads the pairs that far
 * also splits the pairs at zero skew); a window whose own length has a tail does. On
 * other hardware the costs scale with the CPU and the jitter with the scheduler: the
 * windows move, the mechanisms do not.
 *
 * <p>
 * <b>2. The client side</b>: the spread of a ticker's burst ({@link #tickerSpreadNanos},
 * how far apart the workers' dials of one tick land) was fitted once so that the
 * {@code snat-race-conn-test} preset gives its published ≈2 % on 4.17 {@code default}.
 *
 * <p>
 * The rest is not fitted: 100 µs wires, a 1 ms hold before the client closes, the
 * {@code rounds} workload's Poisson gaps (20 µs between connects, 50 µs between lookups)
 * and glibc's A-to-AAAA gap (1.2 µs + Exp(10 µs)).
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
 * @param sendPathJitterNanos mean of the Lomax part of a UDP datagram's path from
 * {@code send}/{@code sendmmsg} to the bridge (free play only)
 * @param sendPathShape its shape
 * @param forwardStallChance the chance that the routing/forward step of a packet is
 * stalled (free play only)
 * @param forwardStallNanos the mean of such a stall (exponential)
 */
public record TimingModel(double stepJitter, long conntrackInNanos, long natHookNanos, long ruleNanos,
		long usedTupleNanos, long forwardNanos, long natPacketNanos, long confirmNanos, long vethNanos, long wireNanos,
		long serverNanos, long podStackNanos, long holdNanos, long connectGapMeanNanos, long lookupGapMeanNanos,
		long dnsPairGapMinNanos, long dnsPairGapMeanNanos, long roundPauseNanos, long clientPathJitterNanos,
		long tickerSpreadNanos, long sendPathJitterNanos, double sendPathShape, double forwardStallChance,
		long forwardStallNanos) {

	/** Shape of the client path's Lomax jitter (part of the kernel-side fit). */
	public static final double CLIENT_PATH_SHAPE = 2.2;

	/** The ticker burst spread (the client-side fit). */
	static final long TICKER_SPREAD_NANOS = 230_000;

	/** The calibrated defaults (see the class comment). */
	public static TimingModel calibrated() {
		return new TimingModel(0.2, 1_000, 500, 30, 40, 1_500, 250, 250, 1_000, 100_000, 30_000, 5_000, 1_000_000,
				20_000, 50_000, 1_200, 10_000, 1_000_000, 3_000, TICKER_SPREAD_NANOS, 2_000, CLIENT_PATH_SHAPE, 0.2,
				5_000);
	}

}
