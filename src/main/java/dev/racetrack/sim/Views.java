package dev.racetrack.sim;

import java.util.List;

import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.IpsStatus;
import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

/**
 * Plain, serialisable snapshots of model objects, as the trace carries them: tuples with
 * dotted-quad addresses, packets with their headers, conntrack entries with their status
 * names.
 */
public final class Views {

	private Views() {
	}

	/**
	 * One direction of a tuple.
	 *
	 * @param src source address
	 * @param sport source port
	 * @param dst destination address
	 * @param dport destination port
	 */
	public record TupleView(String src, int sport, String dst, int dport) {

		public static TupleView of(Tuple t) {
			return new TupleView(Ipv4.format(t.srcIp()), t.srcPort(), Ipv4.format(t.dstIp()), t.dstPort());
		}

		@Override
		public String toString() {
			return this.src + ":" + this.sport + " → " + this.dst + ":" + this.dport;
		}

	}

	/**
	 * A DNS message.
	 *
	 * @param id transaction id
	 * @param name the question's name
	 * @param qtype A or AAAA
	 * @param response whether it is an answer
	 * @param rcode NOERROR or NXDOMAIN
	 * @param answers answered addresses
	 */
	public record DnsView(int id, String name, String qtype, boolean response, String rcode, List<String> answers) {

		public static DnsView of(DnsMessage m) {
			if (m == null) {
				return null;
			}
			return new DnsView(m.id(), m.name(), m.type().name(), m.response(),
					(m.rcode() == DnsMessage.NXDOMAIN) ? "NXDOMAIN" : "NOERROR",
					m.answers().stream().map(Ipv4::format).toList());
		}

	}

	/**
	 * A packet's header at one point of its path.
	 *
	 * @param id the packet id (the same at every hop, NAT or not)
	 * @param label a short label: {@code SYN}, {@code A?}, {@code AAAA!}
	 * @param proto tcp or udp
	 * @param tuple addresses and ports as they are now
	 * @param flags TCP flags ({@code SYN, ACK}), empty for UDP
	 * @param seq TCP sequence number
	 * @param ack TCP acknowledgement number
	 * @param length payload bytes
	 * @param dns the DNS message, or {@code null}
	 */
	public record PacketView(long id, String label, String proto, TupleView tuple, String flags, long seq, long ack,
			int length, DnsView dns) {

		public static PacketView of(long id, PacketHeader h) {
			return new PacketView(id, h.label(), h.tuple().proto().label(), TupleView.of(h.tuple()),
					TcpFlags.format(h.tcpFlags()), h.seq(), h.ack(), h.payloadLength(), DnsView.of(h.dns()));
		}

	}

	/**
	 * A conntrack entry.
	 *
	 * @param id entry id
	 * @param proto tcp or udp
	 * @param orig the ORIGINAL tuple
	 * @param reply the REPLY tuple
	 * @param status status bit names
	 * @param state TCP state, or {@code null}
	 * @param confirmed whether it is in the hash
	 * @param clash whether it is a reply-only clash entry (5.6+)
	 * @param cpu the CPU whose unconfirmed list held it
	 * @param expiresAt absolute expiry (ns) once confirmed, else -1
	 * @param timeout timeout in seconds as {@code conntrack -L} would print it now
	 */
	public record CtView(long id, String proto, TupleView orig, TupleView reply, List<String> status, String state,
			boolean confirmed, boolean clash, int cpu, long expiresAt, long timeout) {

		public static CtView of(Conntrack ct, long nowNanos) {
			return new CtView(ct.id(), ct.proto().label(), TupleView.of(ct.original()), TupleView.of(ct.reply()),
					IpsStatus.names(ct.status()), (ct.tcpState() != null) ? ct.tcpState().name() : null, ct.confirmed(),
					ct.clashEntry(), ct.cpu(), ct.confirmed() ? ct.timeoutNanos() : -1, ct.secondsLeft(nowNanos));
		}

	}

	/**
	 * The port search of one SNAT step.
	 *
	 * @param source where the start came from: rover, secure_port or prandom
	 * @param firstPort first port tested
	 * @param port port chosen
	 * @param tries ports tested
	 * @param free whether the chosen port was free
	 * @param rounds rounds of the capped search
	 * @param roverBefore rover before (-1 without a rover)
	 * @param roverAfter rover after (-1 without a rover)
	 * @param evicted an evicted TIME_WAIT entry, or -1
	 */
	public record SearchView(String source, int firstPort, int port, int tries, boolean free, int rounds,
			int roverBefore, int roverAfter, long evicted) {
	}

	/**
	 * The shared port rover after a step (4.17/4.19).
	 *
	 * @param proto tcp or udp
	 * @param offset the rover's value (an offset into the port range)
	 * @param port the port it points at ({@code 1024 + offset % 64512})
	 */
	public record RoverView(String proto, int offset, int port) {
	}

	/**
	 * A client flow: one TCP connection attempt or one DNS lookup.
	 *
	 * @param id flow id
	 * @param pod the pod
	 * @param kind {@code tcp-connect} or {@code dns-lookup}
	 * @param outcome {@code pending}, {@code ok}, {@code retried} or {@code failed}
	 * @param start start time (ns)
	 * @param latencyNs connect or lookup latency, or -1 while pending
	 * @param retransmits SYN retransmissions or DNS resends
	 * @param detail a few words: the name looked up, the destination
	 */
	public record FlowView(String id, String pod, String kind, String outcome, long start, long latencyNs,
			int retransmits, String detail) {
	}

}
