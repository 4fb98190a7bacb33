package dev.racetrack.diagnose;

/**
 * How an address is written in what Racetrack reads, for both families: one IPv4 address
 * ({@code 10.96.0.10}) or one IPv6 address ({@code fd00:10:96::a}, written in full or
 * with {@code ::}), as iptables, ip6tables, nft, kubectl and conntrack print them; and an
 * address with its port as they print it: {@code 10.244.0.3:53},
 * {@code [fd00:10:244::3]:53}. The readers take their address columns from here, so a
 * rule, row or entry reads the same whichever family it is.
 */
final class IpAddress {

	/** One IPv4 address: {@code 10.96.0.10}. */
	static final String V4 = "\\d{1,3}(?:\\.\\d{1,3}){3}";

	/**
	 * One IPv6 address: eight groups, or fewer around one {@code ::}
	 * ({@code fd00:10:96::a}, {@code ::1}). A time such as {@code 17:33:03} is neither.
	 */
	static final String V6 = "(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}"
			+ "|(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?::(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})?";

	/** One address of either family. */
	static final String ANY = "(?:" + V4 + "|" + V6 + ")";

	private IpAddress() {
	}

	/** Whether an address (as read by {@link #ANY}) is an IPv6 one. */
	static boolean isV6(String address) {
		return address.indexOf(':') >= 0;
	}

	/**
	 * An address with its port as the tools print it: {@code 10.244.0.3:53}, and an IPv6
	 * address in brackets, {@code [fd00:10:244::3]:53}.
	 */
	static String withPort(String address, String port) {
		return isV6(address) ? "[" + address + "]:" + port : address + ":" + port;
	}

}
