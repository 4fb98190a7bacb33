package dev.racetrack.kernel.nat;

import dev.racetrack.kernel.packet.Ipv4;

/**
 * A NAT range ({@code struct nf_nat_range2}): flags, an address range and a port range.
 *
 * @param flags {@code NF_NAT_RANGE_*} bits
 * @param minIp lowest address
 * @param maxIp highest address
 * @param minPort lowest port (with {@link #PROTO_SPECIFIED})
 * @param maxPort highest port (with {@link #PROTO_SPECIFIED})
 */
public record NatRange(int flags, int minIp, int maxIp, int minPort, int maxPort) {

	/** {@code NF_NAT_RANGE_MAP_IPS}. */
	public static final int MAP_IPS = 1;

	/** {@code NF_NAT_RANGE_PROTO_SPECIFIED}. */
	public static final int PROTO_SPECIFIED = 1 << 1;

	/** {@code NF_NAT_RANGE_PROTO_RANDOM}: {@code --random}. */
	public static final int PROTO_RANDOM = 1 << 2;

	/** {@code NF_NAT_RANGE_PERSISTENT}. */
	public static final int PERSISTENT = 1 << 3;

	/** {@code NF_NAT_RANGE_PROTO_RANDOM_FULLY}: {@code --random-fully}. */
	public static final int PROTO_RANDOM_FULLY = 1 << 4;

	/** {@code NF_NAT_RANGE_PROTO_RANDOM_ALL}. */
	public static final int PROTO_RANDOM_ALL = PROTO_RANDOM | PROTO_RANDOM_FULLY;

	/** One address, any port: MASQUERADE's range and the null binding's. */
	public static NatRange address(int ip, int extraFlags) {
		return new NatRange(MAP_IPS | extraFlags, ip, ip, 0, 0);
	}

	/** One address and one port: a DNAT {@code --to-destination ip:port}. */
	public static NatRange addressAndPort(int ip, int port) {
		return new NatRange(MAP_IPS | PROTO_SPECIFIED, ip, ip, port, port);
	}

	public boolean has(int flag) {
		return (this.flags & flag) != 0;
	}

	/**
	 * The mode name the UI uses: {@code default}, {@code random} or {@code random-fully}.
	 */
	public String modeName() {
		if (has(PROTO_RANDOM_FULLY)) {
			return "random-fully";
		}
		return has(PROTO_RANDOM) ? "random" : "default";
	}

	@Override
	public String toString() {
		String ips = (this.minIp == this.maxIp) ? Ipv4.format(this.minIp)
				: Ipv4.format(this.minIp) + "-" + Ipv4.format(this.maxIp);
		String ports = has(PROTO_SPECIFIED)
				? ":" + this.minPort + ((this.minPort == this.maxPort) ? "" : "-" + this.maxPort) : "";
		return ips + ports + " (" + modeName() + ")";
	}

}
