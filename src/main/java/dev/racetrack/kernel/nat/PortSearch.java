package dev.racetrack.kernel.nat;

/**
 * The outcome of {@code nf_nat_l4proto_unique_tuple}'s search for a free port, for
 * captions and the trace.
 *
 * @param port the port chosen (the last candidate if every try was used)
 * @param free whether the chosen port was free when chosen
 * @param tries how many candidate ports were tested
 * @param firstPort the first candidate tested
 * @param offsetSource where the starting offset came from: {@code rover},
 * {@code secure_port}, {@code prandom}, or {@code none} (a DST manip without a port range
 * never searches)
 * @param roverBefore the shared rover before the search (-1 when no rover)
 * @param roverAfter the shared rover after the search (-1 when no rover)
 * @param rounds how many rounds of the capped search ran (1 on 4.17)
 * @param evictedCtId a closing TCP entry evicted in the last tries (6.x), or -1
 */
public record PortSearch(int port, boolean free, int tries, int firstPort, String offsetSource, int roverBefore,
		int roverAfter, int rounds, long evictedCtId) {
}
