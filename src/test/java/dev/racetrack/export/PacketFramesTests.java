package dev.racetrack.export;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.DnsWire;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.sim.Views.DnsView;
import dev.racetrack.sim.Views.PacketView;
import dev.racetrack.sim.Views.TupleView;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PcapWriter} and {@link PacketFrames}: the file and record headers, and every
 * header field of the IPv4, TCP and UDP packets, with each checksum verified the way a
 * receiver does (RFC 1071: the sum over the header, checksum included, is 0xffff, so its
 * complement is 0).
 */
class PacketFramesTests {

	private static final HexFormat HEX = HexFormat.of();

	static final PacketView SYN = new PacketView(7, "SYN", "tcp", new TupleView("10.40.0.17", 32000, "10.0.0.99", 80),
			"SYN", 1424677299L, 0, 0, null);

	static final PacketView REQUEST = new PacketView(0x12345, "PSH, ACK", "tcp",
			new TupleView("10.0.0.1", 1024, "10.0.0.99", 80), "PSH, ACK", 4000000000L, 4147024247L, 201, null);

	static final DnsView QUERY = new DnsView(0x1a35, "api.default.svc.cluster.local.", "A", false, "NOERROR",
			List.of());

	static final DnsView ANSWER = new DnsView(0x1a35, "api.default.svc.cluster.local.", "A", true, "NOERROR",
			List.of("10.96.0.42"));

	@Test
	@DisplayName("the file header: nanosecond magic, version 2.4, snaplen, LINKTYPE_ETHERNET; each record: seconds, nanoseconds, lengths")
	void fileAndRecordHeaders() {
		byte[] file = new PcapWriter().packet(1_001_000_100L, new byte[] { 1, 2, 3 })
			.packet(2_000_000_000L, new byte[60])
			.toByteArray();
		ByteBuffer b = ByteBuffer.wrap(file);
		assertThat(b.getInt()).isEqualTo(0xa1b23c4d);
		assertThat(b.getShort()).isEqualTo((short) 2);
		assertThat(b.getShort()).isEqualTo((short) 4);
		assertThat(b.getInt()).as("thiszone").isZero();
		assertThat(b.getInt()).as("sigfigs").isZero();
		assertThat(b.getInt()).as("snaplen").isEqualTo(262_144);
		assertThat(b.getInt()).as("network").isEqualTo(1);
		assertThat(b.getInt()).as("ts_sec").isEqualTo(1);
		assertThat(b.getInt()).as("ts_nsec").isEqualTo(1_000_100);
		assertThat(b.getInt()).as("incl_len").isEqualTo(3);
		assertThat(b.getInt()).as("orig_len").isEqualTo(3);
		b.position(b.position() + 3);
		assertThat(b.getInt()).isEqualTo(2);
		assertThat(b.getInt()).isZero();
		assertThat(b.getInt()).isEqualTo(60);
		assertThat(file).hasSize(24 + 16 + 3 + 16 + 60);
	}

	@Test
	@DisplayName("the Internet checksum of RFC 1071's usual IPv4 example is b861, and verifies to 0")
	void internetChecksumKnownVector() {
		byte[] header = HEX.parseHex("450000730000400040110000c0a80001c0a800c7");
		assertThat(PacketFrames.checksum(header, 0, header.length, 0)).isEqualTo(0xb861);
		header[10] = (byte) 0xb8;
		header[11] = 0x61;
		assertThat(PacketFrames.checksum(header, 0, header.length, 0)).isZero();
		assertThat(PacketFrames.checksum(new byte[] { 0x01 }, 0, 1, 0)).as("odd length pads with zero")
			.isEqualTo(~0x0100 & 0xffff);
	}

	@Test
	@DisplayName("a SYN: IPv4 version/IHL, total length, DF, id, TTL, protocol 6; TCP ports, seq, data offset 8 with MSS=1460, flags, window 29200; both checksums verify")
	void synHeaders() {
		byte[] ip = PacketFrames.ipv4(SYN, 64);
		ByteBuffer b = ByteBuffer.wrap(ip);
		assertThat(ip).hasSize(20 + 32);
		assertThat(b.get(0)).isEqualTo((byte) 0x45);
		assertThat(b.getShort(2)).as("total length").isEqualTo((short) 52);
		assertThat(b.getShort(4)).as("id").isEqualTo((short) 7);
		assertThat(b.getShort(6)).as("flags: DF, offset 0").isEqualTo((short) 0x4000);
		assertThat(b.get(8)).as("TTL").isEqualTo((byte) 64);
		assertThat(b.get(9)).as("protocol").isEqualTo((byte) 6);
		assertThat(b.getInt(12)).isEqualTo(Ipv4.parse("10.40.0.17"));
		assertThat(b.getInt(16)).isEqualTo(Ipv4.parse("10.0.0.99"));
		assertThat(PacketFrames.checksum(ip, 0, 20, 0)).as("IPv4 header checksum verifies").isZero();
		assertThat(b.getShort(20) & 0xffff).isEqualTo(32000);
		assertThat(b.getShort(22) & 0xffff).isEqualTo(80);
		assertThat(b.getInt(24) & 0xffffffffL).isEqualTo(1424677299L);
		assertThat(b.getInt(28)).as("no ACK flag, ack field 0").isZero();
		assertThat((b.get(32) & 0xff) >>> 4).as("data offset in words").isEqualTo(8);
		assertThat(b.get(33)).as("flags").isEqualTo((byte) 0x02);
		assertThat(b.getShort(34) & 0xffff).as("window").isEqualTo(29200);
		assertThat(b.getShort(38)).as("urgent pointer").isZero();
		assertThat(Arrays.copyOfRange(ip, 40, 44)).as("MSS=1460").isEqualTo(HEX.parseHex("020405b4"));
		assertThat(Arrays.copyOfRange(ip, 44, 52)).as("NOP NOP SACK_PERM NOP WS=7")
			.isEqualTo(HEX.parseHex("0101040201030307"));
		assertThat(tcpChecksumVerifies(ip)).isTrue();
		ip[25] ^= 1;
		assertThat(tcpChecksumVerifies(ip)).as("a flipped bit fails the check").isFalse();
	}

	@Test
	@DisplayName("a data segment: ack set, data offset 5, window 229, payload of the modelled length in zeros, checksum over the pseudo-header")
	void dataSegment() {
		byte[] ip = PacketFrames.ipv4(REQUEST, 63);
		ByteBuffer b = ByteBuffer.wrap(ip);
		assertThat(ip).hasSize(20 + 20 + 201);
		assertThat(b.getShort(2)).isEqualTo((short) 241);
		assertThat(b.getShort(4)).as("id is the packet id's low 16 bits").isEqualTo((short) 0x2345);
		assertThat(b.get(8)).isEqualTo((byte) 63);
		assertThat(b.getInt(24) & 0xffffffffL).isEqualTo(4000000000L);
		assertThat(b.getInt(28) & 0xffffffffL).isEqualTo(4147024247L);
		assertThat((b.get(32) & 0xff) >>> 4).isEqualTo(5);
		assertThat(b.get(33)).isEqualTo((byte) 0x18);
		assertThat(b.getShort(34)).isEqualTo((short) 229);
		assertThat(Arrays.copyOfRange(ip, 40, ip.length)).containsOnly(0);
		assertThat(PacketFrames.checksum(ip, 0, 20, 0)).isZero();
		assertThat(tcpChecksumVerifies(ip)).isTrue();
	}

	@Test
	@DisplayName("a DNS query over UDP: length, protocol 17, the DnsWire payload, the UDP checksum verifies")
	void dnsOverUdp() {
		PacketView query = new PacketView(3, "A?", "udp", new TupleView("10.40.0.17", 40044, "10.96.0.10", 53), "", 0,
				0, 0, QUERY);
		byte[] ip = PacketFrames.ipv4(query, 64);
		byte[] dns = DnsWire.encode(DnsMessage.query(0x1a35, "api.default.svc.cluster.local.", QueryType.A));
		ByteBuffer b = ByteBuffer.wrap(ip);
		assertThat(b.get(9)).isEqualTo((byte) 17);
		assertThat(b.getShort(2)).isEqualTo((short) (20 + 8 + dns.length));
		assertThat(b.getShort(20) & 0xffff).isEqualTo(40044);
		assertThat(b.getShort(22) & 0xffff).isEqualTo(53);
		assertThat(b.getShort(24)).as("UDP length").isEqualTo((short) (8 + dns.length));
		assertThat(b.getShort(26)).as("a checksum is present").isNotZero();
		assertThat(Arrays.copyOfRange(ip, 28, ip.length)).isEqualTo(dns);
		assertThat(PacketFrames.checksum(ip, 0, 20, 0)).isZero();
		int udpLength = ip.length - 20;
		assertThat(PacketFrames.checksum(ip, 20, udpLength,
				PacketFrames.pseudoHeader(b.getInt(12), b.getInt(16), 17, udpLength)))
			.isZero();
	}

	@Test
	@DisplayName("a DNS answer over TCP: the 2-byte length prefix, then the message; the payload is the modelled length")
	void dnsOverTcp() {
		byte[] dns = DnsWire.encode(PacketFrames.message(ANSWER));
		PacketView answer = new PacketView(9, "A!", "tcp", new TupleView("10.32.0.7", 53, "10.40.0.17", 47996),
				"PSH, ACK", 100, 99, 2 + dns.length, ANSWER);
		byte[] ip = PacketFrames.ipv4(answer, 63);
		assertThat(ip).hasSize(20 + 20 + 2 + dns.length);
		ByteBuffer b = ByteBuffer.wrap(ip);
		assertThat(b.getShort(40)).isEqualTo((short) dns.length);
		assertThat(Arrays.copyOfRange(ip, 42, ip.length)).isEqualTo(dns);
		assertThat(tcpChecksumVerifies(ip)).isTrue();
		assertThat(PacketFrames.message(ANSWER).answers()).containsExactly(Ipv4.parse("10.96.0.42"));
	}

	@Test
	@DisplayName("Ethernet II: destination, source, ethertype 0x0800; MACs are 02:00 and the host's address")
	void ethernet() {
		byte[] ip = PacketFrames.ipv4(SYN, 64);
		byte[] frame = PacketFrames.ethernet(PacketFrames.mac(Ipv4.parse("10.40.0.1")),
				PacketFrames.mac(Ipv4.parse("10.40.0.17")), ip);
		assertThat(HEX.formatHex(frame, 0, 14)).isEqualTo("02000a280001" + "02000a280011" + "0800");
		assertThat(Arrays.copyOfRange(frame, 14, frame.length)).isEqualTo(ip);
	}

	/** RFC 1071 verification of the TCP checksum of an IPv4 packet without options. */
	static boolean tcpChecksumVerifies(byte[] ip) {
		ByteBuffer b = ByteBuffer.wrap(ip);
		int length = ip.length - 20;
		return PacketFrames.checksum(ip, 20, length,
				PacketFrames.pseudoHeader(b.getInt(12), b.getInt(16), 6, length)) == 0;
	}

}
