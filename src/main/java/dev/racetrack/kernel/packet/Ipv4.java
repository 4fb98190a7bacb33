package dev.racetrack.kernel.packet;

/**
 * IPv4 addresses as {@code int}s in host order, the way the model stores them, with the
 * dotted-quad text that the tools print.
 */
public final class Ipv4 {

	private Ipv4() {
	}

	/**
	 * Parses {@code "10.0.0.1"}; throws {@link IllegalArgumentException} on anything
	 * else.
	 */
	public static int parse(String text) {
		String[] parts = text.split("\\.", -1);
		if (parts.length != 4) {
			throw new IllegalArgumentException("not an IPv4 address: " + text);
		}
		int address = 0;
		for (String part : parts) {
			if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
				throw new IllegalArgumentException("not an IPv4 address: " + text);
			}
			int octet = Integer.parseInt(part);
			if (octet > 255) {
				throw new IllegalArgumentException("not an IPv4 address: " + text);
			}
			address = (address << 8) | octet;
		}
		return address;
	}

	/** Formats an address as a dotted quad. */
	public static String format(int address) {
		return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
				+ (address & 0xff);
	}

	/** The network mask of a prefix length, e.g. 16 gives 255.255.0.0. */
	public static int mask(int prefixLength) {
		if (prefixLength < 0 || prefixLength > 32) {
			throw new IllegalArgumentException("prefix length out of range: " + prefixLength);
		}
		return (prefixLength == 0) ? 0 : (int) (0xffffffffL << (32 - prefixLength));
	}

	/** Whether {@code address} lies in {@code network/prefixLength}. */
	public static boolean inPrefix(int address, int network, int prefixLength) {
		int mask = mask(prefixLength);
		return (address & mask) == (network & mask);
	}

}
