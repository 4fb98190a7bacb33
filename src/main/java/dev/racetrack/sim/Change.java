package dev.racetrack.sim;

import java.util.List;

import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.sim.Views.CtView;
import dev.racetrack.sim.Views.FlowView;
import dev.racetrack.sim.Views.PacketView;
import dev.racetrack.sim.Views.SearchView;
import dev.racetrack.sim.Views.TupleView;

/**
 * The state change an event causes. Each kind is a record; {@link #type()} is the
 * kebab-case name the trace and the SSE stream use. Folding these changes in order
 * rebuilds the state at any step ({@link TraceFolder}).
 */
public sealed interface Change {

	/** The kebab-case event type. */
	String type();

	/** A client handed a packet to its pod's stack. */
	record PacketSent(String pod, String flow, PacketView packet) implements Change {

		@Override
		public String type() {
			return "packet-sent";
		}

	}

	/** A packet was seen on an interface (a capture point: pods' veths, cni0, eth0). */
	record PacketHop(PacketView packet, String direction) implements Change {

		@Override
		public String type() {
			return "packet-hop";
		}

	}

	/** A packet reached its destination host or pod. */
	record PacketReceived(String host, PacketView packet) implements Change {

		@Override
		public String type() {
			return "packet-received";
		}

	}

	/** A packet was dropped. */
	record PacketDropped(String reason) implements Change {

		@Override
		public String type() {
			return "packet-drop";
		}

	}

	/** A CPU took a packet from the backlog. */
	record CpuTake(int queued) implements Change {

		@Override
		public String type() {
			return "cpu-take";
		}

	}

	/** A raw-table NOTRACK rule exempted the packet from conntrack. */
	record Notrack(List<String> rules) implements Change {

		@Override
		public String type() {
			return "raw-notrack";
		}

	}

	/**
	 * {@code nf_conntrack_in} allocated an unconfirmed entry.
	 *
	 * @param ct the entry
	 * @param reopened an entry this SYN killed first (TIME_WAIT reopen), or {@code null}
	 * @param earlyDropped an entry evicted because the table was full, or {@code null}
	 */
	record CtNew(CtView ct, Long reopened, Long earlyDropped) implements Change {

		@Override
		public String type() {
			return "ct-new";
		}

	}

	/**
	 * {@code nf_conntrack_in} matched a confirmed entry (and updated it).
	 *
	 * @param ct the entry after the packet
	 * @param dir which of its tuples matched
	 * @param ctinfo the packet's ctinfo
	 * @param stateBefore the TCP state before, or {@code null}
	 * @param deleted whether the packet deleted the entry (a clash entry's first reply on
	 * 5.6 to 5.8; an RST before any reply)
	 */
	record CtFound(CtView ct, String dir, String ctinfo, String stateBefore, boolean deleted) implements Change {

		@Override
		public String type() {
			return "ct-found";
		}

	}

	/** The tracker refused the packet; it continues untracked. */
	record CtInvalid(Long ct, String reason) implements Change {

		@Override
		public String type() {
			return "ct-invalid";
		}

	}

	/** The packet had no entry to work with (untracked, or the table was full). */
	record CtNone(String reason) implements Change {

		@Override
		public String type() {
			return "ct-none";
		}

	}

	/** The iptables walk of a nat chain. */
	record NatRules(String chain, List<String> rules, String verdict) implements Change {

		@Override
		public String type() {
			return "nat-rules";
		}

	}

	/**
	 * {@code nf_nat_setup_info} (or the null binding) chose a tuple.
	 *
	 * @param ct the entry after the binding
	 * @param manip SRC or DST (on the wire, its name)
	 * @param nullBinding whether no rule matched
	 * @param step which step of get_unique_tuple returned
	 * @param before the tuple before
	 * @param chosen the tuple chosen
	 * @param search the port search, or {@code null}
	 */
	record NatSetup(CtView ct, ManipType manip, boolean nullBinding, String step, TupleView before, TupleView chosen,
			SearchView search) implements Change {

		@Override
		public String type() {
			return "nat-setup";
		}

	}

	/**
	 * {@code nf_nat_l4proto_unique_tuple} began a port search on this CPU: it read its
	 * start and walks from {@code firstPort}, one candidate per
	 * {@code nf_nat_used_tuple}; the entry's {@code nat-setup} tells where the walk ended
	 * ({@code search.port}, {@code search.tries}). Two walks from one rover meet at the
	 * first free port.
	 *
	 * @param ct the entry whose port is searched
	 * @param proto the protocol ({@code tcp}, {@code udp})
	 * @param firstPort the first candidate
	 * @param port the candidate just tested, or -1 at the start
	 * @param tries candidates tested so far (0 at the start)
	 * @param taken whether that candidate was taken
	 * @param offsetSource {@code rover}, {@code secure_port} or {@code prandom}
	 * @param roverBefore the shared rover read at the start, -1 without one
	 */
	record PortWalk(long ct, String proto, int firstPort, int port, int tries, boolean taken, String offsetSource,
			int roverBefore) implements Change {

		@Override
		public String type() {
			return "port-walk";
		}

	}

	/** A NAT hook that had nothing to set up for this packet. */
	record NatSkip(ManipType manip, String reason) implements Change {

		@Override
		public String type() {
			return "nat-skip";
		}

	}

	/** {@code nf_nat_packet} rewrote (or left) the header. */
	record NatPacket(ManipType manip, PacketView before, PacketView after) implements Change {

		@Override
		public String type() {
			return "nat-packet";
		}

	}

	/** The routing decision and FORWARD. */
	record Route(String outIface) implements Change {

		@Override
		public String type() {
			return "route";
		}

	}

	/** The entry went into the hash: every CPU can see it now. */
	record CtConfirm(CtView ct) implements Change {

		@Override
		public String type() {
			return "ct-confirm";
		}

	}

	/** Nothing to confirm for this packet. */
	record ConfirmSkip(String reason) implements Change {

		@Override
		public String type() {
			return "confirm-skip";
		}

	}

	/**
	 * The entry's tuple was already in the hash.
	 *
	 * @param loser the packet's entry
	 * @param winner the entry it clashed with
	 * @param clashedOn ORIGINAL or REPLY
	 * @param resolution DROP, MERGED or CLASH_ENTRY
	 * @param survivor the entry the packet continues with (the winner, or the new clash
	 * entry), or {@code null} when dropped
	 */
	record CtClash(CtView loser, CtView winner, String clashedOn, String resolution,
			CtView survivor) implements Change {

		@Override
		public String type() {
			return "ct-clash";
		}

	}

	/** The hash chain was too long (6.x). */
	record ChainTooLong(CtView ct) implements Change {

		@Override
		public String type() {
			return "ct-chaintoolong";
		}

	}

	/**
	 * An entry left the table: expired, killed for a reopen or eviction, or deleted on
	 * reply.
	 */
	record CtDestroy(long id, String reason) implements Change {

		@Override
		public String type() {
			return "ct-destroy";
		}

	}

	/** A client timer was armed. */
	record TimerSet(String flow, String timer, long expiresAt) implements Change {

		@Override
		public String type() {
			return "timer-set";
		}

	}

	/** A client timer fired. */
	record TimerFired(String flow, String timer) implements Change {

		@Override
		public String type() {
			return "timer-fire";
		}

	}

	/** A client timer was stopped before it fired. */
	record TimerCleared(String flow, String timer) implements Change {

		@Override
		public String type() {
			return "timer-clear";
		}

	}

	/**
	 * glibc switched a pod's resolver to single-request (or -reopen) after a timeout with
	 * one answer.
	 */
	record ResolverOption(String flow, String pod, String option) implements Change {

		@Override
		public String type() {
			return "resolver-option";
		}

	}

	/** A flow began. */
	record FlowStart(FlowView flow) implements Change {

		@Override
		public String type() {
			return "flow-start";
		}

	}

	/** A flow ended. */
	record FlowDone(FlowView flow) implements Change {

		@Override
		public String type() {
			return "flow-done";
		}

	}

}
