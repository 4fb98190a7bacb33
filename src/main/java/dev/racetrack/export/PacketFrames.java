package dev.racetrack.export;

import java.nio.ByteBuffer;
import java.util.List;

import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.DnsWire;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.sim.Views.DnsView;
import dev.racetrack.sim.Views.PacketView;

/**
 * The bytes of a packet as a capture shows it: an Ethernet II header, an IPv4 header (RFC
 * 791) and a TCP (RFC 9293) or UDP (RFC 768) header with its checksum over the
 * pseudo-header, then the payload.
 *
 * <p>
 * What the model does not carry is filled in as a Linux host would send it: IPv4 with no
 * options, DF set, the IP ID from the packet id (the same at every hop, as forwarding
 * keeps it), the TTL the caller gives; TCP with the window of the XING capture (29200 on
 * a SYN, 28960 on a SYN-ACK, 229 scaled by 2^7 afterwards) and, on SYN and SYN-ACK, the
 * options {@code MSS=1460 NOP NOP SACK_PERM NOP WS=7} (12 bytes; no timestamps, which
 * would have to be echoed per connection). The payload of a DNS message is its wire
 * format ({@link DnsWire}), behind a 2-byte length over TCP (RFC 1035 §4.2.2); other
 * payloads are zeros of the modelled length.
 */
public final class PacketFrames {

	/** Linux's default TTL ({@code net.ipv4.ip_default_ttl}). */
	public static final int DEFAULT_TTL = 64;

	static final int ETHERNET_HEADER = 14;

	static final int IPV4_HEADER = 20;

	static final int UDP_HEADER = 8;

	static final int TCP_HEADER = 20;

	static final int PROTO_TCP = 6;

	static final int PROTO_UDP = 17;

	private static final int ETHERTYPE_IPV4 = 0x0800;

	private static final byte[] SYN_OPTIONS = { 0x02, 0x04, 0x05, (byte) 0xb4, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03,
			0x07 };

	private PacketFrames() {
	}

	/**
	 * The synthetic MAC address of a host: {@code 02:00} (locally administered, unicast)
	 * followed by its IPv4 address, so that a MAC names its host. The model has no ARP.
	 */
	public static byte[] mac(int ipv4) {
		return new byte[] { 0x02, 0x00, (byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4 };
	}

	/** An Ethernet II frame carrying an IPv4 packet. */
	public static byte[] ethernet(byte[] dstMac, byte[] srcMac, byte[] ipPacket) {
		ByteBuffer b = ByteBuffer.allocate(ETHERNET_HEADER + ipPacket.length);
		b.put(dstMac).put(srcMac).putShort((short) ETHERTYPE_IPV4).put(ipPacket);
		return b.array();
	}

	/**
	 * The IPv4 packet of a packet view.
	 * @param packet the header as seen at this hop
	 * @param ttl the time to live at this hop
	 */
	public static byte[] ipv4(PacketView packet, int ttl) {
		int src = Ipv4.parse(packet.tuple().src());
		int dst = Ipv4.parse(packet.tuple().dst());
		boolean tcp = "tcp".equals(packet.proto());
		byte[] l4 = tcp ? tcp(packet, src, dst) : udp(packet, src, dst);
		ByteBuffer b = ByteBuffer.allocate(IPV4_HEADER + l4.length);
		b.put((byte) 0x45);
		b.put((byte) 0);
		b.putShort((short) (IPV4_HEADER + l4.length));
		b.putShort((short) packet.id());
		b.putShort((short) 0x4000);
		b.put((byte) ttl);
		b.put((byte) (tcp ? PROTO_TCP : PROTO_UDP));
		b.putShort((short) 0);
		b.putInt(src);
		b.putInt(dst);
		byte[] bytes = b.put(l4).array();
		int sum = checksum(bytes, 0, IPV4_HEADER, 0);
		bytes[10] = (byte) (sum >>> 8);
		bytes[11] = (byte) sum;
		return bytes;
	}

	/** The payload a packet carries: its DNS message, or zeros of its length. */
	public static byte[] payload(PacketView packet) {
		boolean tcp = "tcp".equals(packet.proto());
		if (packet.dns() == null) {
			return new byte[Math.max(0, packet.length())];
		}
		byte[] dns = DnsWire.encode(message(packet.dns()));
		if (!tcp) {
			return dns;
		}
		return ByteBuffer.allocate(2 + dns.length).putShort((short) dns.length).put(dns).array();
	}

	/** The model's DNS message back from its view. */
	static DnsMessage message(DnsView v) {
		List<Integer> answers = v.answers().stream().map(Ipv4::parse).toList();
		int rcode = "NXDOMAIN".equals(v.rcode()) ? DnsMessage.NXDOMAIN : DnsMessage.NOERROR;
		return new DnsMessage(v.id(), v.name(), DnsMessage.QueryType.valueOf(v.qtype()), v.response(), rcode, answers);
	}

	private static byte[] tcp(PacketView p, int src, int dst) {
		int flags = flags(p.flags());
		boolean syn = TcpFlags.has(flags, TcpFlags.SYN);
		byte[] options = syn ? SYN_OPTIONS : new byte[0];
		byte[] payload = payload(p);
		int headerLength = TCP_HEADER + options.length;
		ByteBuffer b = ByteBuffer.allocate(headerLength + payload.length);
		b.putShort((short) p.tuple().sport());
		b.putShort((short) p.tuple().dport());
		b.putInt((int) p.seq());
		b.putInt(TcpFlags.has(flags, TcpFlags.ACK) ? (int) p.ack() : 0);
		b.put((byte) ((headerLength / 4) << 4));
		b.put((byte) flags);
		b.putShort((short) window(flags));
		b.putShort((short) 0);
		b.putShort((short) 0);
		b.put(options).put(payload);
		byte[] bytes = b.array();
		int sum = checksum(bytes, 0, bytes.length, pseudoHeader(src, dst, PROTO_TCP, bytes.length));
		bytes[16] = (byte) (sum >>> 8);
		bytes[17] = (byte) sum;
		return bytes;
	}

	private static byte[] udp(PacketView p, int src, int dst) {
		byte[] payload = payload(p);
		int length = UDP_HEADER + payload.length;
		ByteBuffer b = ByteBuffer.allocate(length);
		b.putShort((short) p.tuple().sport());
		b.putShort((short) p.tuple().dport());
		b.putShort((short) length);
		b.putShort((short) 0);
		b.put(payload);
		byte[] bytes = b.array();
		int sum = checksum(bytes, 0, bytes.length, pseudoHeader(src, dst, PROTO_UDP, length));
		if (sum == 0) {
			sum = 0xffff;
		}
		bytes[6] = (byte) (sum >>> 8);
		bytes[7] = (byte) sum;
		return bytes;
	}

	/** The TCP window: the XING capture's on SYN and SYN-ACK, then 229 << 7. */
	private static int window(int flags) {
		if (TcpFlags.has(flags, TcpFlags.SYN)) {
			return TcpFlags.has(flags, TcpFlags.ACK) ? 28960 : 29200;
		}
		return 229;
	}

	/** Flags from their names ({@code "SYN, ACK"}). */
	static int flags(String names) {
		int flags = 0;
		for (String name : names.split(",")) {
			flags |= switch (name.trim()) {
				case "FIN" -> TcpFlags.FIN;
				case "SYN" -> TcpFlags.SYN;
				case "RST" -> TcpFlags.RST;
				case "PSH" -> TcpFlags.PSH;
				case "ACK" -> TcpFlags.ACK;
				default -> 0;
			};
		}
		return flags;
	}

	/** The sum of the TCP/UDP pseudo-header: addresses, protocol and length. */
	static int pseudoHeader(int src, int dst, int proto, int length) {
		return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + length;
	}

	/**
	 * The Internet checksum (RFC 1071): the one's complement of the one's complement sum
	 * of 16-bit words, starting from {@code initial}; an odd last byte is padded with
	 * zero.
	 */
	public static int checksum(byte[] data, int offset, int length, int initial) {
		long sum = initial & 0xffffffffL;
		int i = offset;
		int end = offset + length;
		for (; i + 1 < end; i += 2) {
			sum += ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
		}
		if (i < end) {
			sum += (data[i] & 0xff) << 8;
		}
		while ((sum >>> 16) != 0) {
			sum = (sum & 0xffff) + (sum >>> 16);
		}
		return (int) (~sum & 0xffff);
	}

}
