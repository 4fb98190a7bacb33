package dev.racetrack.kernel;

import java.util.List;
import java.util.Optional;

/**
 * The kernel versions Racetrack models, oldest first. What differs between them is a set
 * of named {@link KernelBehaviour}s, each holding for a range of these versions with its
 * source: every other class asks {@link #has(KernelBehaviour)}, never a version number.
 *
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
public enum KernelProfile implements Identified {

	/**
	 * The kernel of the 2018 articles: rover, no clash fix, every clash on a NAT node
	 * drops.
	 */
	V4_17("4.17", "Linux 4.17 (2018: the XING and Weave articles)"),

	/** Race 1 fixed: identical clashing entries are merged. */
	V4_19("4.19", "Linux 4.19 (race 1 fixed)"),

	/**
	 * The 4.x stable kernels of February 2022 (4.9.300+, 4.14.y, 4.19.228+): 4.19 with
	 * the rover removal and the capped search backported (6ed5943f8735, a504b703bb1d
	 * [P-ROVER][P-LIMIT], §3), where {@code --random} still starts at
	 * {@code secure_port}.
	 */
	V4_19_STABLE("4.19.228", "Linux 4.19.228+ and the 4.x stables of Feb 2022 (rover removed, search capped)"),

	/** Race 2 fixed, the rover gone, the port search capped. */
	V5_0("5.0", "Linux 5.0 (race 2 fixed, rover removed, search capped)"),

	/** Race 3 fixed by reply-only clash entries with a 1 s timeout. */
	V5_6("5.6", "Linux 5.6 (race 3 fixed by clash entries)"),

	/** Today: clash_resolve counter, linear SYN back-off, TIME_WAIT eviction. */
	V6_X("6.x", "Linux 6.x (today: clash_resolve, linear SYN back-off, TIME_WAIT eviction)");

	/** {@code nf_conntrack_udp_timeout_stream} before 6.x, in seconds. */
	static final int UDP_STREAM_TIMEOUT_OLD = 180;

	/** {@code nf_conntrack_udp_timeout_stream} on 6.x, in seconds. */
	static final int UDP_STREAM_TIMEOUT_6 = 120;

	private final String id;

	private final String title;

	KernelProfile(String id, String title) {
		this.id = id;
		this.title = title;
	}

	/**
	 * The id used in URLs, the API and the UI: {@code 4.17}, {@code 4.19},
	 * {@code 4.19.228}, {@code 5.0}, {@code 5.6}, {@code 6.x}.
	 */
	@Override
	public String id() {
		return this.id;
	}

	public String title() {
		return this.title;
	}

	/** Whether this kernel has a behaviour (see {@link KernelBehaviour#holdsFor}). */
	public boolean has(KernelBehaviour behaviour) {
		return behaviour.holdsFor(this);
	}

	/**
	 * {@code nf_conntrack_udp_timeout_stream}: the timeout of a replied UDP entry, 180 s
	 * until the 6.x UDP change ({@link KernelBehaviour#UDP_STREAM_AFTER_TWO_SECONDS}),
	 * then 120 s.
	 */
	public int udpStreamTimeoutSeconds() {
		return has(KernelBehaviour.UDP_STREAM_AFTER_TWO_SECONDS) ? UDP_STREAM_TIMEOUT_6 : UDP_STREAM_TIMEOUT_OLD;
	}

	/** All ids, oldest first, for error messages and pickers. */
	public static List<String> ids() {
		return Identified.ids(KernelProfile.class);
	}

	/** The profile of an id, e.g. {@code "5.6"}. */
	public static Optional<KernelProfile> fromId(String id) {
		return Identified.fromId(KernelProfile.class, id);
	}

}
