package dev.racetrack.sim;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import dev.racetrack.kernel.nat.NatRange;

/**
 * The SNAT port allocation mode of the MASQUERADE rules: the flags of the iptables
 * target.
 */
public enum SnatMode {

	/** No flag: keep the pod's port when free, else search (rover on 4.17). */
	DEFAULT("default", 0),

	/** {@code --random}: skip the keep-the-port steps; start at a keyed hash (4.17). */
	RANDOM("random", NatRange.PROTO_RANDOM),

	/** {@code --random-fully}: skip the keep-the-port steps; start at a random offset. */
	RANDOM_FULLY("random-fully", NatRange.PROTO_RANDOM_FULLY);

	private final String id;

	private final int flags;

	SnatMode(String id, int flags) {
		this.id = id;
		this.flags = flags;
	}

	public String id() {
		return this.id;
	}

	/** The {@code NF_NAT_RANGE_*} flags of the MASQUERADE target. */
	public int flags() {
		return this.flags;
	}

	public static List<String> ids() {
		return Arrays.stream(values()).map(SnatMode::id).toList();
	}

	public static Optional<SnatMode> fromId(String id) {
		return Arrays.stream(values()).filter((m) -> m.id.equals(id)).findFirst();
	}

}
