package dev.racetrack.kernel.packet;

import java.util.ArrayList;
import java.util.List;

/**
 * TCP header flags as a bit set, with the names Wireshark prints ({@code [SYN, ACK]}).
 */
public final class TcpFlags {

	public static final int FIN = 0x01;

	public static final int SYN = 0x02;

	public static final int RST = 0x04;

	public static final int PSH = 0x08;

	public static final int ACK = 0x10;

	private TcpFlags() {
	}

	/** {@code "SYN, ACK"}; empty for no flags. */
	public static String format(int flags) {
		List<String> names = new ArrayList<>(5);
		if ((flags & SYN) != 0) {
			names.add("SYN");
		}
		if ((flags & FIN) != 0) {
			names.add("FIN");
		}
		if ((flags & RST) != 0) {
			names.add("RST");
		}
		if ((flags & PSH) != 0) {
			names.add("PSH");
		}
		if ((flags & ACK) != 0) {
			names.add("ACK");
		}
		return String.join(", ", names);
	}

	public static boolean has(int flags, int flag) {
		return (flags & flag) == flag;
	}

}
