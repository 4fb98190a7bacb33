package dev.racetrack.kernel;

/**
 * A netfilter or TCP behaviour that changed between the modelled kernels, with the
 * versions it holds for and its source. A {@link KernelProfile} has a behaviour when the
 * profile lies in the behaviour's range ({@link #first()} to {@link #last()}, in the
 * order of {@link KernelProfile}); no class asks a version number.
 *
 * <p>
 * Citations (source keys such as [P-ROVER]) are to {@code src/docs/netfilter-races.md}
 * "Sources"; §N to its sections.
 */
public enum KernelBehaviour {

	/**
	 * The default port search starts at a shared per-protocol rover
	 * ({@code tcp_port_rover}, {@code udp_port_rover}) and writes it back, shared by all
	 * CPUs [K-NPC417]; removed by 6ed5943f8735 "nat: remove l4 protocol port rovers"
	 * [P-ROVER] in v5.0 and, in February 2022, in the 4.x stables (§3).
	 */
	PORT_ROVER(KernelProfile.V4_17, KernelProfile.V4_19, "until 4.20",
			"[K-NPC417][K-TCP417]; removed by 6ed5943f8735 [P-ROVER], v5.0"),

	/**
	 * The port search starts at a random offset and tries at most 128+64+32+16+8 ports
	 * (a504b703bb1d "nat: limit port clash resolution attempts" [P-LIMIT], v5.0, §3);
	 * before, a linear walk over the whole range with no cap.
	 */
	CAPPED_PORT_SEARCH(KernelProfile.V4_19_STABLE, null, "from 5.0 and the 4.x stables of Feb 2022",
			"a504b703bb1d [P-LIMIT]"),

	/**
	 * {@code --random} starts the port search at {@code secure_port}, a keyed hash of the
	 * addresses and the destination port, so every connection to one server ip:port
	 * starts at the same offset [K-NPC417]; from 5.0 every flag starts at a random offset
	 * (6ed5943f8735 [P-ROVER], §3), but its 2022 backport to the 4.x stables kept
	 * {@code secure_port} for {@code --random}.
	 */
	SECURE_PORT_FOR_RANDOM(KernelProfile.V4_17, KernelProfile.V4_19_STABLE, "until 4.20, and in the 4.x stables",
			"[K-NPC417]; 6ed5943f8735"),

	/**
	 * In the last 32 tries of the capped search a TCP SYN may evict a closing SNAT entry
	 * ({@code nf_nat_used_tuple_harder}), "snat: evict closing tcp entries on reply tuple
	 * collision" [P-EVICT], 2023 (§3, checklist 8).
	 */
	EVICT_TIME_WAIT(KernelProfile.V6_X, null, "from 6.5 (2023)", "[P-EVICT]"),

	/**
	 * {@code nf_conntrack_tuple_taken} ignores an entry with the same original tuple
	 * (race 2 fixed): 4e35c1cb9460 "nf_nat: skip nat clash resolution for same-origin
	 * entries" [P-RACE2], v5.0 (§4).
	 */
	SAME_ORIGIN_SKIP(KernelProfile.V5_0, null, "from 5.0", "4e35c1cb9460 [P-RACE2]"),

	/**
	 * A UDP clash with an identical (original and reply) entry is resolved by reusing it
	 * (race 1 fixed): ed07d9a021df "resolve clash for matching conntracks" [P-RACE1],
	 * v4.19 (§4).
	 */
	RESOLVE_MATCHING_CLASH(KernelProfile.V4_19, null, "from 4.19", "ed07d9a021df [P-RACE1]"),

	/**
	 * A UDP clash with a unique reply direction inserts a reply-only clash entry with a
	 * fixed 1 s timeout (race 3 fixed): 6a757c07e51f "allow insertion of clashing
	 * entries" [P-CLASH], v5.6 (§4, checklist 11).
	 */
	CLASH_ENTRIES(KernelProfile.V5_6, null, "from 5.6", "6a757c07e51f [P-CLASH]"),

	/**
	 * A clash entry is deleted by its first reply, from 5.6 until "do not auto-delete
	 * clash entries on reply" [P-NOAUTODEL] (5.9) (checklist 11).
	 */
	CLASH_ENTRY_DELETED_ON_REPLY(KernelProfile.V5_6, KernelProfile.V5_6, "5.6 to 5.8",
			"6a757c07e51f [P-CLASH] until [P-NOAUTODEL]"),

	/**
	 * Resolved clashes count {@code clash_resolve} instead of {@code insert_failed}; the
	 * {@code ignore} statistic is gone and /proc shows {@code clashres}: "add clash
	 * resolution stat counter" [P-CLASHSTAT], v5.10 (§5).
	 */
	CLASH_RESOLVE_COUNTER(KernelProfile.V6_X, null, "from 5.10", "[P-CLASHSTAT]"),

	/**
	 * Inserting into a hash chain of more than 64 entries fails and counts
	 * {@code chaintoolong}: the 2021 chain-length limit [P-CHAIN] (5.15).
	 */
	CHAIN_TOO_LONG(KernelProfile.V6_X, null, "from 5.15 (2021)", "[P-CHAIN]"),

	/**
	 * The first four SYN retransmissions are 1 s apart ({@code tcp_syn_linear_timeouts} =
	 * 4): "tcp: make the first N SYN RTO backoffs linear" [LINEAR], v6.5 (§6).
	 */
	LINEAR_SYN_BACKOFF(KernelProfile.V6_X, null, "from 6.5", "[LINEAR]"),

	/**
	 * A replied UDP flow becomes a stream (ASSURED,
	 * {@code nf_conntrack_udp_timeout_stream} = 120 s) only once it is more than two
	 * seconds old: d535c8a69c19 "udp: only extend timeout to stream mode after 2s" (6.x);
	 * before, the first packet after the reply did it, with a 180 s stream timeout.
	 */
	UDP_STREAM_AFTER_TWO_SECONDS(KernelProfile.V6_X, null, "6.x", "d535c8a69c19"),

	/**
	 * {@code __inet_hash_connect} starts every connect's port scan at a keyed hash plus
	 * one {@code static u32 hint} shared by all sockets of the node, moved by each
	 * success; replaced in 5.12 by 190cc82489f4 "tcp: change source port randomizarion at
	 * connect() time" (a perturbation table indexed by the hash) and, in 2022, small
	 * random increments (src/docs/kernel-window.md §3).
	 */
	SHARED_CONNECT_PORT_HINT(KernelProfile.V4_17, KernelProfile.V5_6, "until 5.11", "190cc82489f4"),

	/**
	 * A SYN that reopens a closed TCP connection ({@code NF_REPEAT} from
	 * {@code nf_conntrack_in}) counts {@code invalid}: until 830af2eba403 "netfilter:
	 * conntrack: don't increment invalid counter on NF_REPEAT" (5.17, also in the 5.4,
	 * 5.10 and 5.15 stables), so on our 4.x, 5.0 and 5.6 profiles but not on 6.x.
	 */
	INVALID_ON_TCP_REOPEN(KernelProfile.V4_17, KernelProfile.V5_6, "until 5.16", "830af2eba403"),

	/**
	 * A connecting socket gives up after {@code tcp_syn_retries} = 6 retransmissions (127
	 * s); from 6.5 ({@link #LINEAR_SYN_BACKOFF}) {@code tcp_syn_retries} +
	 * {@code tcp_syn_linear_timeouts} = 10 retransmissions (≈131 s) [TCP-H][LINEAR].
	 */
	SYN_RETRIES_PLUS_LINEAR(KernelProfile.V6_X, null, "from 6.5", "[LINEAR]");

	private final KernelProfile first;

	private final KernelProfile last;

	private final String versions;

	private final String source;

	KernelBehaviour(KernelProfile first, KernelProfile last, String versions, String source) {
		this.first = first;
		this.last = last;
		this.versions = versions;
		this.source = source;
	}

	/** The first modelled kernel with this behaviour. */
	public KernelProfile first() {
		return this.first;
	}

	/**
	 * The last modelled kernel with this behaviour, or {@code null} when today's kernels
	 * still have it.
	 */
	public KernelProfile last() {
		return this.last;
	}

	/** The real kernel versions it holds for, e.g. {@code from 5.0}. */
	public String versions() {
		return this.versions;
	}

	/** The commit(s) and source keys it comes from. */
	public String source() {
		return this.source;
	}

	/**
	 * Whether a kernel has this behaviour: it lies between {@link #first} and
	 * {@link #last}.
	 */
	public boolean holdsFor(KernelProfile profile) {
		return profile.compareTo(this.first) >= 0 && (this.last == null || profile.compareTo(this.last) <= 0);
	}

}
