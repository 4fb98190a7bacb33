package dev.racetrack.kernel.nat;

import java.util.List;
import java.util.Optional;

import dev.racetrack.kernel.Identified;

/**
 * The SNAT port allocation mode: the flag of an iptables {@code MASQUERADE} (or
 * {@code SNAT}) target, {@code --random} or {@code --random-fully} or none. It is the
 * {@code mode} knob of the UI, URL and API, and it keeps that name from the request to
 * the nat rule; only inside the kernel does it become the {@code NF_NAT_RANGE_PROTO_*}
 * bits of the rule's {@link NatRange} that {@code get_unique_tuple} reads.
 */
public enum SnatMode implements Identified {

	/** No flag: keep the pod's port when free, else search (rover on 4.17). */
	DEFAULT("default", 0),

	/** {@code --random}: skip the keep-the-port steps; start at a keyed hash (4.17). */
	RANDOM("random", NatRange.PROTO_RANDOM),

	/** {@code --random-fully}: skip the keep-the-port steps; start at a random offset. */
	RANDOM_FULLY("random-fully", NatRange.PROTO_RANDOM_FULLY);

	private final String id;

	private final int rangeFlags;

	SnatMode(String id, int rangeFlags) {
		this.id = id;
		this.rangeFlags = rangeFlags;
	}

	@Override
	public String id() {
		return this.id;
	}

	/** The {@code NF_NAT_RANGE_PROTO_*} flags this mode sets on the target's range. */
	public int rangeFlags() {
		return this.rangeFlags;
	}

	public static List<String> ids() {
		return Identified.ids(SnatMode.class);
	}

	public static Optional<SnatMode> fromId(String id) {
		return Identified.fromId(SnatMode.class, id);
	}

}
