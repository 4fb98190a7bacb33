package dev.racetrack.sim;

import java.util.List;
import java.util.Map;

import dev.racetrack.sim.Views.CtView;
import dev.racetrack.sim.Views.FlowView;
import dev.racetrack.sim.Views.PacketView;
import dev.racetrack.sim.Views.RoverView;

/**
 * Everything the Lab draws at one step, as folded from the trace: the conntrack table,
 * the counters per CPU, the rover, what each CPU is doing, the packets in flight, the
 * client timers and flows. A snapshot lets a client draw any step without replaying from
 * the start.
 *
 * @param step the last event folded (-1 before the first)
 * @param t the simulated time of that event
 * @param conntrack entries by id, oldest first (unconfirmed ones included)
 * @param counters per CPU, the statistics that have moved (name → value)
 * @param rovers the shared rover per protocol (4.17/4.19)
 * @param cpus what each CPU holds: a packet id, or {@code null}
 * @param packets the packets inside the node or on a wire, by id
 * @param timers armed client timers
 * @param flows every flow so far
 * @param drops every packet dropped so far
 * @param walks what each CPU's port search ({@code nf_nat_l4proto_unique_tuple}) is at: a
 * walk, or {@code null}
 */
public record LabState(long step, long t, List<CtView> conntrack, List<Map<String, Long>> counters,
		Map<String, RoverView> rovers, List<Long> cpus, List<InFlight> packets, List<Timer> timers,
		List<FlowView> flows, List<Drop> drops, List<Walk> walks) {

	/**
	 * A CPU's port search, from its {@code port-walk} steps to the {@code nat-setup} that
	 * ends it; gone when the CPU lets its packet go.
	 *
	 * @param ct the entry whose port is searched
	 * @param proto its protocol
	 * @param base the first candidate (from the rover, {@code secure_port} or a random
	 * offset)
	 * @param port the candidate tested last, or the one chosen; -1 before the first test
	 * @param tries candidates tested so far
	 * @param taken whether the last candidate was taken
	 * @param offsetSource {@code rover}, {@code secure_port} or {@code prandom}
	 * @param roverBefore the shared rover read at the start, -1 without one
	 * @param chosen whether the search has ended on {@code port}
	 * @param takenPorts the candidates found taken, in the order tested: the last
	 * {@link #TAKEN_KEPT} of them (a strip of port cells shows fewer)
	 */
	public record Walk(long ct, String proto, int base, int port, int tries, boolean taken, String offsetSource,
			int roverBefore, boolean chosen, List<Integer> takenPorts) {

		/**
		 * How many of a walk's taken candidates the fold keeps, the last ones (a walk can
		 * test thousands); the browser's fold reads it from the catalogue.
		 */
		public static final int TAKEN_KEPT = 16;

		public Walk {
			takenPorts = List.copyOf(takenPorts);
		}

	}

	/**
	 * A packet and where it was last seen.
	 *
	 * @param packet its header there
	 * @param where an interface, a host, or {@code cpuN}
	 * @param t when
	 */
	public record InFlight(PacketView packet, String where, long t) {
	}

	/**
	 * A client timer.
	 *
	 * @param flow the flow
	 * @param timer its name: syn-rto, resolver-timeout, musl-retry
	 * @param expiresAt when it fires
	 */
	public record Timer(String flow, String timer, long expiresAt) {
	}

	/**
	 * A dropped packet.
	 *
	 * @param packet the packet id
	 * @param cpu the CPU that dropped it
	 * @param t when
	 * @param reason why
	 */
	public record Drop(long packet, int cpu, long t, String reason) {
	}

}
