package dev.racetrack.kernel.conntrack;

import java.util.ArrayList;
import java.util.List;

/**
 * Conntrack status bits ({@code enum ip_conntrack_status},
 * {@code include/uapi/linux/netfilter/nf_conntrack_common.h}).
 */
public final class IpsStatus {

	public static final int SEEN_REPLY = 1 << 1;

	public static final int ASSURED = 1 << 2;

	public static final int CONFIRMED = 1 << 3;

	public static final int SRC_NAT = 1 << 4;

	public static final int DST_NAT = 1 << 5;

	public static final int SRC_NAT_DONE = 1 << 7;

	public static final int DST_NAT_DONE = 1 << 8;

	public static final int DYING = 1 << 9;

	public static final int FIXED_TIMEOUT = 1 << 10;

	/** {@code IPS_NAT_CLASH} shares the bit of the former {@code IPS_UNTRACKED}. */
	public static final int NAT_CLASH = 1 << 12;

	/** {@code IPS_NAT_MASK}. */
	public static final int NAT_MASK = SRC_NAT | DST_NAT;

	/** {@code IPS_NAT_DONE_MASK}. */
	public static final int NAT_DONE_MASK = SRC_NAT_DONE | DST_NAT_DONE;

	private static final int[] BITS = { SEEN_REPLY, ASSURED, CONFIRMED, SRC_NAT, DST_NAT, SRC_NAT_DONE, DST_NAT_DONE,
			DYING, FIXED_TIMEOUT, NAT_CLASH };

	private static final String[] NAMES = { "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT", "DST_NAT", "SRC_NAT_DONE",
			"DST_NAT_DONE", "DYING", "FIXED_TIMEOUT", "NAT_CLASH" };

	private IpsStatus() {
	}

	/**
	 * The names of the bits set, in bit order, e.g.
	 * {@code [CONFIRMED, SRC_NAT, SRC_NAT_DONE]}.
	 */
	public static List<String> names(int status) {
		List<String> names = new ArrayList<>(BITS.length);
		for (int i = 0; i < BITS.length; i++) {
			if ((status & BITS[i]) != 0) {
				names.add(NAMES[i]);
			}
		}
		return names;
	}

}
