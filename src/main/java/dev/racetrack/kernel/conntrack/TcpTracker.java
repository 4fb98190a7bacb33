package dev.racetrack.kernel.conntrack;

import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.TcpFlags;

import static dev.racetrack.kernel.conntrack.TcpConntrackState.CLOSE;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.CLOSE_WAIT;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.ESTABLISHED;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.FIN_WAIT;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.LAST_ACK;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.SYN_RECV;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.SYN_SENT;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.SYN_SENT2;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.TIME_WAIT;

/**
 * The TCP connection tracker: the state table {@code tcp_conntracks[2][6][10]} and the
 * parts of {@code nf_conntrack_tcp_packet} (net/netfilter/nf_conntrack_proto_tcp.c, 4.17
 * to 6.x) that matter for the races: the state transition, ASSURED, the per-state
 * timeout, reopening a closed connection with a new SYN (and ignoring a SYN in TIME_WAIT
 * or CLOSE that may not reopen it), and deleting an entry whose only answer is an RST.
 * Window tracking ({@code tcp_in_window}) is not modelled: every segment is in window.
 * Nor is mid-stream pickup ({@code nf_conntrack_tcp_loose}): only a SYN creates an entry.
 */
final class TcpTracker {

	/** The tracker's verdict on one packet. */
	enum Verdict {

		/** The packet is tracked and accepted. */
		ACCEPT,

		/** {@code sIG}: accepted without changing the state. */
		IGNORE,

		/** {@code sIV}: not tracked ({@code -NF_ACCEPT}); {@code invalid} is counted. */
		INVALID,

		/**
		 * A SYN reopens a closed connection: kill the entry and look up again
		 * ({@code -NF_REPEAT}).
		 */
		REPEAT,

		/**
		 * Accepted, then the entry is deleted: an RST before any reply
		 * ({@code nf_ct_kill_acct}).
		 */
		KILL

	}

	private static final TcpConntrackState IV = null;

	/**
	 * {@code sIG}; the table never moves an entry back to {@code NONE}, so NONE can stand
	 * for it.
	 */
	private static final TcpConntrackState IG = TcpConntrackState.NONE;

	private static final TcpConntrackState SS = SYN_SENT;

	private static final TcpConntrackState SR = SYN_RECV;

	private static final TcpConntrackState ES = ESTABLISHED;

	private static final TcpConntrackState FW = FIN_WAIT;

	private static final TcpConntrackState CW = CLOSE_WAIT;

	private static final TcpConntrackState LA = LAST_ACK;

	private static final TcpConntrackState TW = TIME_WAIT;

	private static final TcpConntrackState CL = CLOSE;

	private static final TcpConntrackState S2 = SYN_SENT2;

	private static final int SYN_SET = 0;

	private static final int SYNACK_SET = 1;

	private static final int FIN_SET = 2;

	private static final int ACK_SET = 3;

	private static final int RST_SET = 4;

	private static final int NONE_SET = 5;

	// Columns: sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2 (IG = ignore, IV =
	// invalid).
	private static final TcpConntrackState[][][] TABLE = { { // ORIGINAL
			{ SS, SS, IG, IG, IG, IG, IG, SS, SS, S2 }, // syn
			{ IV, IV, SR, IV, IV, IV, IV, IV, IV, SR }, // synack
			{ IV, IV, FW, FW, LA, LA, LA, TW, CL, IV }, // fin
			{ ES, IV, ES, ES, CW, CW, TW, TW, CL, IV }, // ack
			{ IV, CL, CL, CL, CL, CL, CL, CL, CL, CL }, // rst
			{ IV, IV, IV, IV, IV, IV, IV, IV, IV, IV } // none
			}, { // REPLY
					{ IV, S2, IV, IV, IV, IV, IV, SS, IV, S2 }, // syn
					{ IV, SR, IG, IG, IG, IG, IG, IG, IG, SR }, // synack
					{ IV, IV, FW, FW, LA, LA, LA, TW, CL, IV }, // fin
					{ IV, IG, SR, ES, CW, CW, TW, TW, CL, IG }, // ack
					{ IV, CL, CL, CL, CL, CL, CL, CL, CL, CL }, // rst
					{ IV, IV, IV, IV, IV, IV, IV, IV, IV, IV } // none
			} };

	private TcpTracker() {
	}

	/** {@code get_conntrack_index}. */
	static int index(int flags) {
		if (TcpFlags.has(flags, TcpFlags.RST)) {
			return RST_SET;
		}
		if (TcpFlags.has(flags, TcpFlags.SYN)) {
			return TcpFlags.has(flags, TcpFlags.ACK) ? SYNACK_SET : SYN_SET;
		}
		if (TcpFlags.has(flags, TcpFlags.FIN)) {
			return FIN_SET;
		}
		return TcpFlags.has(flags, TcpFlags.ACK) ? ACK_SET : NONE_SET;
	}

	/**
	 * {@code tcp_new}: whether a packet may create an entry. Only a SYN without ACK
	 * starts one in the model (no mid-stream pickup).
	 */
	static boolean canCreate(PacketHeader header) {
		return index(header.tcpFlags()) == SYN_SET;
	}

	/**
	 * {@code nf_conntrack_tcp_packet}: moves the entry's state and timeout for one
	 * packet.
	 */
	static Verdict packet(Conntrack ct, CtDir dir, PacketHeader header, long nowNanos) {
		TcpConntrackState old = ct.tcpState();
		int index = index(header.tcpFlags());
		TcpConntrackState next = TABLE[dir.ordinal()][index][old.ordinal()];
		if (next == SYN_SENT && index == SYN_SET && dir == CtDir.ORIGINAL && (old == TIME_WAIT || old == CLOSE)) {
			// RFC 1122: reopen from TIME_WAIT if we saw a close, or an RST from the same
			// side.
			if (ct.closeInitSeen() || ct.lastWasRstFromOriginal()) {
				return Verdict.REPEAT;
			}
			// Otherwise the kernel falls through to the TCP_CONNTRACK_IGNORE case.
			return Verdict.IGNORE;
		}
		if (next == IV) {
			return Verdict.INVALID;
		}
		if (next == IG) {
			return Verdict.IGNORE;
		}
		if (index == FIN_SET) {
			ct.closeInitSeen(true);
		}
		ct.lastWasRstFromOriginal(index == RST_SET && dir == CtDir.ORIGINAL);
		if (dir == CtDir.ORIGINAL) {
			long len = header.payloadLength() + ((index == SYN_SET || index == FIN_SET) ? 1 : 0);
			ct.originalSeqEnd(header.seq() + len);
		}
		ct.tcpState(next);
		if (!ct.has(IpsStatus.SEEN_REPLY)) {
			// A connection answered only by an RST never existed: nf_ct_kill_acct
			// deletes the entry at once, and the RST itself is accepted.
			if (index == RST_SET) {
				return Verdict.KILL;
			}
		}
		else if (!ct.has(IpsStatus.ASSURED) && (old == SYN_RECV || old == ESTABLISHED) && next == ESTABLISHED) {
			ct.set(IpsStatus.ASSURED);
		}
		ct.refresh(next.timeoutNanos(), nowNanos);
		return Verdict.ACCEPT;
	}

}
