package dev.racetrack.kernel.packet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The DNS wire format (RFC 1035 §4) of a {@link DnsMessage}: a 12-byte header, one
 * question, and for a response its A records (name compressed to the question, class IN,
 * TTL 30 s). What a capture tool decodes as a real query or answer.
 */
public final class DnsWire {

	private DnsWire() {
	}

	public static byte[] encode(DnsMessage m) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(64);
		short16(out, m.id());
		int flags = m.response() ? 0x8180 | (m.rcode() & 0xf) : 0x0100;
		short16(out, flags);
		short16(out, 1);
		short16(out, m.response() ? m.answers().size() : 0);
		short16(out, 0);
		short16(out, 0);
		for (String label : m.name().split("\\.")) {
			if (label.isEmpty()) {
				continue;
			}
			byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
			int len = Math.min(bytes.length, 63);
			out.write(len);
			out.write(bytes, 0, len);
		}
		out.write(0);
		short16(out, m.type().code());
		short16(out, 1);
		if (m.response()) {
			for (int address : m.answers()) {
				short16(out, 0xC00C);
				short16(out, DnsMessage.QueryType.A.code());
				short16(out, 1);
				short16(out, 0);
				short16(out, 30);
				short16(out, 4);
				out.write((address >>> 24) & 0xff);
				out.write((address >>> 16) & 0xff);
				out.write((address >>> 8) & 0xff);
				out.write(address & 0xff);
			}
		}
		return out.toByteArray();
	}

	/** The encoded length in bytes. */
	public static int length(DnsMessage m) {
		return encode(m).length;
	}

	private static void short16(ByteArrayOutputStream out, int value) {
		out.write((value >>> 8) & 0xff);
		out.write(value & 0xff);
	}

}
