package dev.racetrack.kernel;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The kernel versions Racetrack models, and for each the netfilter and TCP behaviours
 * that are switched on. This enum is the only place where versions differ: every other
 * class asks its profile, never a version number.
 *
 * <p>
 * Sources, by behaviour (keys of {@code src/docs/netfilter-races.md}):
 * <ul>
 * <li>{@link #portRover}: per-protocol {@code tcp_port_rover}/{@code udp_port_rover} in
 * {@code nf_nat_l4proto_unique_tuple} [K-NPC417], removed by 6ed5943f8735 "nat: remove l4
 * protocol port rovers" [P-ROVER], v5.0.</li>
 * <li>{@link #limitedPortSearch}: a504b703bb1d "nat: limit port clash resolution
 * attempts" [P-LIMIT], v5.0: random start, rounds of 128/64/32/16/8.</li>
 * <li>{@link #evictTimeWait}: "snat: evict closing tcp entries on reply tuple collision"
 * [P-EVICT], 2023 (6.x).</li>
 * <li>{@link #sameOriginSkip}: 4e35c1cb9460 "nf_nat: skip nat clash resolution for
 * same-origin entries" [P-RACE2], v5.0 (race 2).</li>
 * <li>{@link #resolveMatchingClash}: ed07d9a021df "resolve clash for matching conntracks"
 * [P-RACE1], v4.19 (race 1).</li>
 * <li>{@link #clashEntries}: 6a757c07e51f "allow insertion of clashing entries"
 * [P-CLASH], v5.6 (race 3); auto-deleted on the first reply until "do not auto-delete
 * clash entries on reply" [P-NOAUTODEL] (5.9).</li>
 * <li>{@link #clashResolveCounter}: "add clash resolution stat counter" [P-CLASHSTAT],
 * v5.10; the same series removed the {@code ignore} statistic and renamed two /proc
 * columns.</li>
 * <li>{@link #chainTooLong}: the 2021 chain-length limit [P-CHAIN].</li>
 * <li>{@link #linearSynBackoff}: "tcp: make the first N SYN RTO backoffs linear"
 * [LINEAR], v6.5.</li>
 * </ul>
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
public enum KernelProfile {

	/**
	 * The kernel of the 2018 articles: rover, no clash fix, every clash on a NAT node
	 * drops.
	 */
	V4_17("4.17", "Linux 4.17 (2018: the XING and Weave articles)", true, false, false, false, false, false, false,
			false, false, false, 180),

	/** Race 1 fixed: identical clashing entries are merged. */
	V4_19("4.19", "Linux 4.19 (race 1 fixed)", true, false, false, false, true, false, false, false, false, false, 180),

	/** Race 2 fixed, the rover gone, the port search capped. */
	V5_0("5.0", "Linux 5.0 (race 2 fixed, rover removed, search capped)", false, true, false, true, true, false, false,
			false, false, false, 180),

	/** Race 3 fixed by reply-only clash entries with a 1 s timeout. */
	V5_6("5.6", "Linux 5.6 (race 3 fixed by clash entries)", false, true, false, true, true, true, true, false, false,
			false, 180),

	/** Today: clash_resolve counter, linear SYN back-off, TIME_WAIT eviction. */
	V6_X("6.x", "Linux 6.x (today: clash_resolve, linear SYN back-off, TIME_WAIT eviction)", false, true, true, true,
			true, true, false, true, true, true, 120);

	private final String id;

	private final String title;

	private final boolean portRover;

	private final boolean limitedPortSearch;

	private final boolean evictTimeWait;

	private final boolean sameOriginSkip;

	private final boolean resolveMatchingClash;

	private final boolean clashEntries;

	private final boolean clashEntryDeletedOnReply;

	private final boolean clashResolveCounter;

	private final boolean chainTooLong;

	private final boolean linearSynBackoff;

	private final int udpStreamTimeoutSeconds;

	KernelProfile(String id, String title, boolean portRover, boolean limitedPortSearch, boolean evictTimeWait,
			boolean sameOriginSkip, boolean resolveMatchingClash, boolean clashEntries,
			boolean clashEntryDeletedOnReply, boolean clashResolveCounter, boolean chainTooLong,
			boolean linearSynBackoff, int udpStreamTimeoutSeconds) {
		this.id = id;
		this.title = title;
		this.portRover = portRover;
		this.limitedPortSearch = limitedPortSearch;
		this.evictTimeWait = evictTimeWait;
		this.sameOriginSkip = sameOriginSkip;
		this.resolveMatchingClash = resolveMatchingClash;
		this.clashEntries = clashEntries;
		this.clashEntryDeletedOnReply = clashEntryDeletedOnReply;
		this.clashResolveCounter = clashResolveCounter;
		this.chainTooLong = chainTooLong;
		this.linearSynBackoff = linearSynBackoff;
		this.udpStreamTimeoutSeconds = udpStreamTimeoutSeconds;
	}

	/**
	 * The id used in URLs, the API and the UI: {@code 4.17}, {@code 4.19}, {@code 5.0},
	 * {@code 5.6}, {@code 6.x}.
	 */
	public String id() {
		return this.id;
	}

	public String title() {
		return this.title;
	}

	/**
	 * Default-mode port search starts at a shared per-protocol rover and writes it back.
	 */
	public boolean portRover() {
		return this.portRover;
	}

	/** Port search starts at a random offset and tries at most 128+64+32+16+8 ports. */
	public boolean limitedPortSearch() {
		return this.limitedPortSearch;
	}

	/** The last 32 tries of the port search may evict a closing TCP entry. */
	public boolean evictTimeWait() {
		return this.evictTimeWait;
	}

	/** {@code nf_conntrack_tuple_taken} ignores an entry with the same original tuple. */
	public boolean sameOriginSkip() {
		return this.sameOriginSkip;
	}

	/**
	 * A UDP clash with an identical (original and reply) entry is resolved by reusing it.
	 */
	public boolean resolveMatchingClash() {
		return this.resolveMatchingClash;
	}

	/** A UDP clash with a unique reply direction inserts a reply-only clash entry. */
	public boolean clashEntries() {
		return this.clashEntries;
	}

	/** Clash entries are deleted by their first reply (5.6 to 5.8). */
	public boolean clashEntryDeletedOnReply() {
		return this.clashEntryDeletedOnReply;
	}

	/**
	 * Resolved clashes count {@code clash_resolve} instead of {@code insert_failed}; the
	 * {@code ignore} statistic is gone and /proc shows {@code clashres} and
	 * {@code chainlength}.
	 */
	public boolean clashResolveCounter() {
		return this.clashResolveCounter;
	}

	/** Inserting into a hash chain longer than the limit fails ({@code chaintoolong}). */
	public boolean chainTooLong() {
		return this.chainTooLong;
	}

	/**
	 * The first four SYN retransmissions are 1 s apart
	 * ({@code tcp_syn_linear_timeouts=4}).
	 */
	public boolean linearSynBackoff() {
		return this.linearSynBackoff;
	}

	/** {@code nf_conntrack_udp_timeout_stream}: the timeout of a replied UDP entry. */
	public int udpStreamTimeoutSeconds() {
		return this.udpStreamTimeoutSeconds;
	}

	/**
	 * A replied UDP flow becomes a stream (longer timeout, ASSURED) only if it is still
	 * active two seconds after its first reply (6.x); before, the first packet after the
	 * reply did it.
	 */
	public boolean udpStreamAfterTwoSeconds() {
		return this.compareTo(V6_X) >= 0;
	}

	/** All ids, oldest first, for error messages and pickers. */
	public static List<String> ids() {
		return Arrays.stream(values()).map(KernelProfile::id).toList();
	}

	/** The profile of an id, e.g. {@code "5.6"}. */
	public static Optional<KernelProfile> fromId(String id) {
		return Arrays.stream(values()).filter((p) -> p.id.equals(id)).findFirst();
	}

}
