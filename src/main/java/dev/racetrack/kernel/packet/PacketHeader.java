package dev.racetrack.kernel.packet;

/**
 * What a packet looks like at one point of its path: its addresses and ports, its TCP
 * flags and sequence numbers, and its payload. Immutable, so that a trace can keep the
 * header seen at every hop, before and after NAT.
 *
 * @param tuple the addresses and ports as they are in the header now
 * @param tcpFlags the TCP flags (0 for UDP)
 * @param seq the TCP sequence number
 * @param ack the TCP acknowledgement number
 * @param payloadLength the number of payload bytes
 * @param dns the DNS message carried, or {@code null}
 */
public record PacketHeader(Tuple tuple, int tcpFlags, long seq, long ack, int payloadLength, DnsMessage dns) {

	public static PacketHeader tcp(Tuple tuple, int flags, long seq, long ack) {
		return new PacketHeader(tuple, flags, seq, ack, 0, null);
	}

	public static PacketHeader udp(Tuple tuple, DnsMessage dns) {
		return new PacketHeader(tuple, 0, 0, 0, 0, dns);
	}

	public PacketHeader withTuple(Tuple newTuple) {
		return new PacketHeader(newTuple, this.tcpFlags, this.seq, this.ack, this.payloadLength, this.dns);
	}

	public boolean isTcp() {
		return this.tuple.proto() == L4Proto.TCP;
	}

	/**
	 * A short label for captions and packet tokens: {@code SYN}, {@code SYN, ACK},
	 * {@code A?}.
	 */
	public String label() {
		if (this.dns != null) {
			return this.dns.label();
		}
		return isTcp() ? TcpFlags.format(this.tcpFlags) : "UDP";
	}

}
