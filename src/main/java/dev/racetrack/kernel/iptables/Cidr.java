package dev.racetrack.kernel.iptables;

import dev.racetrack.kernel.packet.Ipv4;

/**
 * An address with a prefix length, printed as iptables prints it ({@code 10.96.0.10/32}).
 *
 * @param network the network address
 * @param prefixLength 0 to 32
 */
public record Cidr(int network, int prefixLength) {

	public Cidr {
		network = network & Ipv4.mask(prefixLength);
	}

	/** Parses {@code "10.244.0.0/16"}; a bare address is a /32. */
	public static Cidr parse(String text) {
		int slash = text.indexOf('/');
		if (slash < 0) {
			return new Cidr(Ipv4.parse(text), 32);
		}
		return new Cidr(Ipv4.parse(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
	}

	public boolean contains(int address) {
		return Ipv4.inPrefix(address, this.network, this.prefixLength);
	}

	@Override
	public String toString() {
		return Ipv4.format(this.network) + "/" + this.prefixLength;
	}

}
