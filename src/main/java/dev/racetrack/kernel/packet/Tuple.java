package dev.racetrack.kernel.packet;

/**
 * A conntrack tuple ({@code struct nf_conntrack_tuple}): protocol, source and destination
 * address and port. Immutable.
 *
 * <p>
 * {@link #hashCode()} is written out so that it depends only on values (an enum's own
 * hash code is an identity hash that changes between runs), which keeps any hash
 * iteration order the same from run to run.
 *
 * @param proto the layer-4 protocol
 * @param srcIp the source address
 * @param srcPort the source port (0..65535)
 * @param dstIp the destination address
 * @param dstPort the destination port (0..65535)
 */
public record Tuple(L4Proto proto, int srcIp, int srcPort, int dstIp, int dstPort) {

	public Tuple {
		if (proto == null) {
			throw new IllegalArgumentException("proto is required");
		}
		if (srcPort < 0 || srcPort > 65535 || dstPort < 0 || dstPort > 65535) {
			throw new IllegalArgumentException("port out of range: " + srcPort + " -> " + dstPort);
		}
	}

	/** A tuple from dotted-quad addresses, for tests and scenario set-up. */
	public static Tuple of(L4Proto proto, String srcIp, int srcPort, String dstIp, int dstPort) {
		return new Tuple(proto, Ipv4.parse(srcIp), srcPort, Ipv4.parse(dstIp), dstPort);
	}

	/** The inverse tuple ({@code nf_ct_invert_tuple}): source and destination swapped. */
	public Tuple invert() {
		return new Tuple(this.proto, this.dstIp, this.dstPort, this.srcIp, this.srcPort);
	}

	public Tuple withSrc(int ip, int port) {
		return new Tuple(this.proto, ip, port, this.dstIp, this.dstPort);
	}

	public Tuple withDst(int ip, int port) {
		return new Tuple(this.proto, this.srcIp, this.srcPort, ip, port);
	}

	public Tuple withSrcPort(int port) {
		return new Tuple(this.proto, this.srcIp, port, this.dstIp, this.dstPort);
	}

	/** The record's equality, written out: tuples key the conntrack hash. */
	@Override
	public boolean equals(Object other) {
		return this == other || (other instanceof Tuple t && this.srcIp == t.srcIp && this.dstIp == t.dstIp
				&& this.srcPort == t.srcPort && this.dstPort == t.dstPort && this.proto == t.proto);
	}

	@Override
	public int hashCode() {
		int h = this.proto.number();
		h = 31 * h + this.srcIp;
		h = 31 * h + this.srcPort;
		h = 31 * h + this.dstIp;
		h = 31 * h + this.dstPort;
		return h;
	}

	/** As conntrack prints one direction: {@code src=a dst=b sport=p dport=q}. */
	public String toConntrackString() {
		return "src=" + Ipv4.format(this.srcIp) + " dst=" + Ipv4.format(this.dstIp) + " sport=" + this.srcPort
				+ " dport=" + this.dstPort;
	}

	/** Short form for captions: {@code 10.244.1.5:32000 → 10.0.0.99:80}. */
	@Override
	public String toString() {
		return Ipv4.format(this.srcIp) + ":" + this.srcPort + " → " + Ipv4.format(this.dstIp) + ":" + this.dstPort;
	}

}
