package dev.racetrack.kernel.conntrack;

/**
 * What {@code nf_conntrack_in} did with one packet, for captions and the trace.
 */
public sealed interface ConntrackInResult {

	/**
	 * No confirmed entry matched: {@code init_conntrack} allocated an unconfirmed one on
	 * this CPU's list.
	 *
	 * @param ct the new entry
	 * @param reopened an entry in TIME_WAIT or CLOSE that this SYN killed first, or
	 * {@code null}
	 * @param earlyDropped an entry evicted because the table was full, or {@code null}
	 */
	record Created(Conntrack ct, Conntrack reopened, Conntrack earlyDropped) implements ConntrackInResult {
	}

	/**
	 * A confirmed entry matched the packet's tuple. The packet keeps the entry even when
	 * the tracker deleted it (a TCP RST before any reply, {@code nf_ct_kill_acct}; then
	 * {@code ct().removed()} is true).
	 *
	 * @param ct the entry
	 * @param dir which of its tuples matched
	 * @param info the packet's ctinfo
	 * @param before the TCP state before the packet, or {@code null} for UDP
	 * @param statusBefore the status bits before the packet
	 * @param clashEntryDeleted whether this reply deleted the clash entry it matched (5.6
	 * to 5.8: {@code IPS_NAT_CLASH} entries went away on the first reply)
	 */
	record Found(Conntrack ct, CtDir dir, CtInfo info, TcpConntrackState before, int statusBefore,
			boolean clashEntryDeleted) implements ConntrackInResult {
	}

	/**
	 * The tracker refused the packet: it goes on without an entry and {@code invalid} is
	 * counted.
	 *
	 * @param ct the entry it matched, if any
	 * @param reason why, in a few words
	 */
	record Invalid(Conntrack ct, String reason) implements ConntrackInResult {
	}

	/**
	 * The packet carries no conntrack (raw-table NOTRACK): {@code ignore} is counted
	 * before 5.10.
	 */
	record Untracked() implements ConntrackInResult {
	}

	/**
	 * The table is full and nothing could be evicted: the packet is dropped, {@code drop}
	 * counted.
	 */
	record TableFull() implements ConntrackInResult {
	}

}
