package dev.racetrack.kernel.packet;

/**
 * The layer-4 protocols the model tracks, with their IP protocol numbers and the names
 * {@code conntrack -L} prints.
 */
public enum L4Proto {

	/** TCP: tracked with a state machine; never allowed to resolve an insertion clash. */
	TCP(6, "tcp"),

	/** UDP: {@code allow_clash} is set, so an insertion clash may be resolved. */
	UDP(17, "udp");

	private final int number;

	private final String label;

	L4Proto(int number, String label) {
		this.number = number;
		this.label = label;
	}

	/** The IP protocol number: 6 for TCP, 17 for UDP. */
	public int number() {
		return this.number;
	}

	/** The lower-case name the tools print. */
	public String label() {
		return this.label;
	}

	/**
	 * Whether an insertion clash may be resolved for this protocol
	 * ({@code l4proto->allow_clash} in {@code nf_conntrack_proto_udp.c}; never for TCP).
	 */
	public boolean allowClash() {
		return this == UDP;
	}

}
