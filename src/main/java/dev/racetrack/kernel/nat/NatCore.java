package dev.racetrack.kernel.nat;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackCore;
import dev.racetrack.kernel.conntrack.CtDir;
import dev.racetrack.kernel.conntrack.IpsStatus;
import dev.racetrack.kernel.conntrack.Skb;
import dev.racetrack.kernel.conntrack.TcpConntrackState;
import dev.racetrack.kernel.conntrack.TupleHash;
import dev.racetrack.kernel.nat.NatSetup.Step;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.Tuple;

/**
 * NAT's core (net/netfilter/nf_nat_core.c; before 4.18 also nf_nat_proto_common.c):
 * {@code nf_nat_setup_info}, {@code get_unique_tuple} with its four steps,
 * {@code nf_nat_l4proto_unique_tuple} in its 4.17 form (shared per-protocol rover, keyed
 * hash for {@code --random}, prandom for {@code --random-fully}, an uncapped linear walk)
 * and its 5.0+ form (random start, rounds of 128/64/32/16/8, 6.x TIME_WAIT eviction in
 * the last 32 tries), {@code nf_nat_alloc_null_binding}, the bysource hash
 * ({@code find_appropriate_src}) and {@code nf_nat_packet}.
 */
public final class NatCore {

	/** {@code max_attempts} of the capped search (a504b703bb1d). */
	static final int MAX_ATTEMPTS = 128;

	/** {@code NF_NAT_HARDER_THRESH}: the last 32 tries may evict (6.x). */
	static final int HARDER_THRESH = MAX_ATTEMPTS / 4;

	/** Cost figure for the engine: one {@code nf_nat_used_tuple} call. */
	public static final long USED_TUPLE_NANOS = 40;

	private final KernelProfile profile;

	private final ConntrackCore conntrack;

	private final KernelRandom random;

	private int tcpPortRover;

	private int udpPortRover;

	private final Map<Tuple, ArrayDeque<Conntrack>> bySource = new HashMap<>();

	public NatCore(KernelProfile profile, ConntrackCore conntrack, KernelRandom random) {
		this.profile = profile;
		this.conntrack = conntrack;
		this.random = random;
	}

	/**
	 * The shared per-protocol rover ({@code tcp_port_rover}/{@code udp_port_rover},
	 * 4.17): the offset of the last port the default search chose; -1 where the kernel
	 * has no rover.
	 */
	public int rover(L4Proto proto) {
		if (!this.profile.has(KernelBehaviour.PORT_ROVER)) {
			return -1;
		}
		return (proto == L4Proto.TCP) ? this.tcpPortRover : this.udpPortRover;
	}

	/**
	 * {@code nf_nat_alloc_null_binding}: no rule set up NAT for this manip, so bind the
	 * entry to its own address with no port range. This still runs
	 * {@code get_unique_tuple}, and on SRC may still change the port (race 2).
	 */
	public NatSetup allocNullBinding(Conntrack ct, ManipType manip, int cpu, long nowNanos) {
		int ip = (manip == ManipType.SRC) ? ct.reply().dstIp() : ct.reply().srcIp();
		return setupInfo(ct, NatRange.address(ip, 0), manip, true, cpu, nowNanos);
	}

	/**
	 * {@code nf_nat_setup_info}: chooses a unique tuple for the entry within the range,
	 * rewrites its reply tuple when the tuple changed (IPS_SRC_NAT/IPS_DST_NAT), and
	 * always sets the manip's NAT_DONE bit. Any port search runs to its end at
	 * {@code nowNanos}; an engine that gives each {@code nf_nat_used_tuple} its own
	 * instant uses {@link #beginSetup} instead.
	 */
	public NatSetup setupInfo(Conntrack ct, NatRange range, ManipType manip, boolean nullBinding, int cpu,
			long nowNanos) {
		Setup setup = beginSetup(ct, range, manip, nullBinding, cpu, nowNanos);
		if (setup.walk() == null) {
			return setup.done();
		}
		while (!setup.walk().step(nowNanos)) {
			// every candidate at the same instant
		}
		return setup.walk().finish(nowNanos);
	}

	/**
	 * The first part of {@code nf_nat_setup_info}: steps 1 to 3 of
	 * {@code get_unique_tuple} at {@code nowNanos}; when they keep a tuple, the binding
	 * is set up at once ({@link Setup#done()}); otherwise step 4 has read its starting
	 * offset (the rover) and waits to be walked, one {@code nf_nat_used_tuple} per
	 * {@link PortWalk#step(long)}, and set up by {@link PortWalk#finish(long)}.
	 */
	public Setup beginSetup(Conntrack ct, NatRange range, ManipType manip, boolean nullBinding, int cpu,
			long nowNanos) {
		if (ct.confirmed() || ct.has(manip.doneBit())) {
			throw new IllegalStateException("NAT already set up for " + manip + " on " + ct);
		}
		Tuple current = ct.reply().invert();
		int[] checks = { 0 };
		Tuple kept = null;
		Step step = null;
		boolean randomAll = range.has(NatRange.PROTO_RANDOM_ALL);
		// 1) SRC without --random/--random-fully: keep the original tuple, or reuse an
		// existing mapping of the same source.
		if (manip == ManipType.SRC && !randomAll) {
			if (inRange(current, range)) {
				if (!used(current, ct, cpu, nowNanos, checks)) {
					kept = current;
					step = Step.ORIGINAL_KEPT;
				}
			}
			else {
				Tuple mapped = findAppropriateSrc(current, range);
				if (mapped != null && !used(mapped, ct, cpu, nowNanos, checks)) {
					kept = mapped;
					step = Step.SOURCE_MAPPING_REUSED;
				}
			}
		}
		Tuple tuple = null;
		if (kept == null) {
			// 2) Choose the address (MASQUERADE, DNAT and null bindings give exactly
			// one).
			tuple = findBestIps(current, range, manip);
			// 3) Keep the port if it is in range and unused; a fixed DNAT port is not
			// even checked.
			if (!randomAll) {
				if (range.has(NatRange.PROTO_SPECIFIED)) {
					int port = port(tuple, manip);
					if (port >= range.minPort() && port <= range.maxPort()
							&& (range.minPort() == range.maxPort() || !used(tuple, ct, cpu, nowNanos, checks))) {
						kept = tuple;
						step = Step.PORT_KEPT;
					}
				}
				else if (!used(tuple, ct, cpu, nowNanos, checks)) {
					kept = tuple;
					step = Step.PORT_KEPT;
				}
			}
			// 4) Ask the protocol for a unique port; a DST manip without a port range
			// cannot change its port.
			if (kept == null && manip == ManipType.DST && !range.has(NatRange.PROTO_SPECIFIED)) {
				kept = tuple;
				step = Step.PORT_UNCHANGEABLE;
			}
		}
		if (kept != null) {
			return new Setup(apply(ct, range, manip, nullBinding, step, current, kept, null, checks[0]), null);
		}
		return new Setup(null, new PortWalk(ct, range, manip, nullBinding, cpu, current, tuple, checks[0]));
	}

	/**
	 * The outcome of {@link #beginSetup}: the binding, or a port walk still to make.
	 *
	 * @param done the binding set up, or {@code null} while a walk is pending
	 * @param walk the pending walk, or {@code null}
	 */
	public record Setup(NatSetup done, PortWalk walk) {
	}

	/** The end of {@code nf_nat_setup_info}: alter the reply and set the status bits. */
	private NatSetup apply(Conntrack ct, NatRange range, ManipType manip, boolean nullBinding, Step step, Tuple current,
			Tuple chosen, PortSearch search, int usedChecks) {
		Tuple replyBefore = ct.reply();
		if (!chosen.equals(current)) {
			this.conntrack.alterReply(ct, chosen.invert());
			this.conntrack.setStatus(ct, manip.natBit());
		}
		if (manip == ManipType.SRC) {
			this.bySource.computeIfAbsent(sourceKey(ct.original()), (k) -> new ArrayDeque<>(2)).addFirst(ct);
		}
		this.conntrack.setStatus(ct, manip.doneBit());
		return new NatSetup(ct, manip, range, nullBinding, step, current, chosen, replyBefore, ct.reply(), search,
				usedChecks);
	}

	/**
	 * Step 4 of {@code get_unique_tuple}, {@code nf_nat_l4proto_unique_tuple}, as a walk
	 * in time: the starting offset is read when the walk is made (the rover, a keyed hash
	 * or a random number), each {@link #step} tests one candidate with
	 * {@code nf_nat_used_tuple} at its own instant (so an entry another CPU confirms
	 * meanwhile is seen by the later candidates), and {@link #finish} takes the choice,
	 * writes the rover and sets the binding up. Two CPUs that read the same rover walk
	 * the same candidates and, if neither confirms before the other's walk ends, meet at
	 * the same first free port (XING [P-ROVER]).
	 * <ul>
	 * <li>Without {@link KernelBehaviour#CAPPED_PORT_SEARCH} (4.17, 4.19): a linear walk
	 * over the whole class range with no cap; the last candidate is taken even if it is
	 * used.</li>
	 * <li>With it (5.0+): at most 128 candidates from a random start, then rounds of 64,
	 * 32, 16, 8 from new random starts; 6.x may evict a closing TCP entry in the last 32
	 * of a round.</li>
	 * </ul>
	 */
	public final class PortWalk {

		private final Conntrack ct;

		private final NatRange range;

		private final ManipType manip;

		private final boolean nullBinding;

		private final int cpu;

		private final Tuple current;

		private final Tuple tuple;

		private final int usedChecks;

		private final int min;

		private final int rangeSize;

		private final String source;

		private final int roverBefore;

		private final int firstPort;

		private final boolean capped;

		private int off;

		private int tries;

		private int rounds = 1;

		private int attempts;

		private int inRound;

		private final long[] evicted = { -1 };

		private Tuple candidate;

		private boolean free;

		private boolean done;

		PortWalk(Conntrack ct, NatRange range, ManipType manip, boolean nullBinding, int cpu, Tuple current,
				Tuple tuple, int usedChecks) {
			this.ct = ct;
			this.range = range;
			this.manip = manip;
			this.nullBinding = nullBinding;
			this.cpu = cpu;
			this.current = current;
			this.tuple = tuple;
			this.usedChecks = usedChecks;
			int[] minAndSize = portRange(tuple, range, manip);
			this.min = minAndSize[0];
			this.rangeSize = minAndSize[1];
			this.capped = NatCore.this.profile.has(KernelBehaviour.CAPPED_PORT_SEARCH);
			this.roverBefore = rover(tuple.proto());
			KernelProfile kernel = NatCore.this.profile;
			if (range.has(NatRange.PROTO_RANDOM) && kernel.has(KernelBehaviour.SECURE_PORT_FOR_RANDOM)) {
				this.off = securePort(tuple, (manip == ManipType.SRC) ? tuple.dstPort() : tuple.srcPort()) & 0xffff;
				this.source = "secure_port";
			}
			else if (!range.has(NatRange.PROTO_RANDOM_ALL) && kernel.has(KernelBehaviour.PORT_ROVER)) {
				this.off = this.roverBefore;
				this.source = "rover";
			}
			else {
				this.off = NatCore.this.random.prandomU32() & 0xffff;
				this.source = "prandom";
			}
			this.firstPort = this.min + this.off % this.rangeSize;
			this.attempts = Math.min(this.rangeSize, MAX_ATTEMPTS);
		}

		/** The entry whose binding this walk chooses. */
		public Conntrack ct() {
			return this.ct;
		}

		/** The first candidate: where the walk starts. */
		public int firstPort() {
			return this.firstPort;
		}

		/**
		 * Where the start came from: {@code rover}, {@code secure_port}, {@code prandom}.
		 */
		public String offsetSource() {
			return this.source;
		}

		/**
		 * The option that sent {@code get_unique_tuple} straight to this walk without
		 * trying the original port ({@code NF_NAT_RANGE_PROTO_RANDOM_ALL}):
		 * {@code --random-fully}, {@code --random}, or {@code null} when the original
		 * port was tried first and found taken.
		 */
		public String randomOption() {
			if (this.range.has(NatRange.PROTO_RANDOM_FULLY)) {
				return "--random-fully";
			}
			return this.range.has(NatRange.PROTO_RANDOM) ? "--random" : null;
		}

		/** The shared rover read at the start (-1 without a rover). */
		public int roverBefore() {
			return this.roverBefore;
		}

		/** Candidates tested so far. */
		public int tries() {
			return this.tries;
		}

		/** The candidate port the last {@link #step} tested. */
		public int lastPort() {
			return port(this.candidate, this.manip);
		}

		/**
		 * Whether the last candidate was taken (a confirmed entry has its reply tuple, or
		 * the last of the range).
		 */
		public boolean lastTaken() {
			return !this.done || !this.free;
		}

		/**
		 * Tests the next candidate with {@code nf_nat_used_tuple} at {@code nowNanos};
		 * true once the walk has its port (free, or the last candidate allowed).
		 */
		public boolean step(long nowNanos) {
			if (this.done) {
				return true;
			}
			this.candidate = withPort(this.tuple, this.manip, this.min + this.off % this.rangeSize);
			this.tries++;
			if (!this.capped) {
				boolean last = this.tries == this.rangeSize;
				boolean used = !last
						&& NatCore.this.conntrack.tupleTaken(this.candidate.invert(), this.ct, this.cpu, nowNanos);
				if (used) {
					this.off = (this.off + 1) & 0xffff;
					return false;
				}
				this.free = !last || NatCore.this.conntrack.find(this.candidate.invert(), nowNanos) == null;
				this.done = true;
				return true;
			}
			int left = this.attempts - this.inRound;
			if (!usedHarder(this.candidate, this.ct, left, this.cpu, nowNanos, this.evicted)) {
				this.free = true;
				this.done = true;
				return true;
			}
			this.inRound++;
			this.off = (this.off + 1) & 0xffff;
			if (this.inRound < this.attempts) {
				return false;
			}
			if (this.attempts >= this.rangeSize || this.attempts < 16) {
				this.free = false;
				this.done = true;
				return true;
			}
			this.attempts /= 2;
			this.inRound = 0;
			this.rounds++;
			this.off = NatCore.this.random.prandomU32() & 0xffff;
			return false;
		}

		/**
		 * The end of the search at {@code nowNanos}: the default 4.17 search writes the
		 * shared rover, and {@code nf_nat_setup_info} sets the binding up.
		 */
		public NatSetup finish(long nowNanos) {
			if (!this.done) {
				throw new IllegalStateException("the walk has not found its port");
			}
			if ("rover".equals(this.source)) {
				setRover(this.tuple.proto(), this.off);
			}
			PortSearch search = new PortSearch(port(this.candidate, this.manip), this.free, this.tries, this.firstPort,
					this.source, this.roverBefore, rover(this.tuple.proto()), this.rounds, this.evicted[0]);
			return apply(this.ct, this.range, this.manip, this.nullBinding, Step.PORT_SEARCHED, this.current,
					this.candidate, search, this.usedChecks);
		}

	}

	/**
	 * {@code nf_nat_used_tuple_harder} (6.x): in the last {@link #HARDER_THRESH} tries of
	 * a round, a TCP SYN may evict a colliding SNAT entry in TIME_WAIT or CLOSE whose
	 * sequence numbers it has passed. Elsewhere, plain {@code nf_nat_used_tuple}.
	 */
	private boolean usedHarder(Tuple candidate, Conntrack ct, int attemptsLeft, int cpu, long nowNanos,
			long[] evicted) {
		Tuple reply = candidate.invert();
		if (!this.profile.has(KernelBehaviour.EVICT_TIME_WAIT) || attemptsLeft > HARDER_THRESH
				|| candidate.proto() != L4Proto.TCP || ct.tcpState() != TcpConntrackState.SYN_SENT) {
			return this.conntrack.tupleTaken(reply, ct, cpu, nowNanos);
		}
		TupleHash h = this.conntrack.find(reply, nowNanos);
		if (h == null) {
			return false;
		}
		Conntrack old = h.ct();
		if (h.dir() == CtDir.ORIGINAL || old == ct) {
			return true;
		}
		boolean mayKill = old.tcpState() != null && old.tcpState().evictable() && old.has(IpsStatus.SRC_NAT)
				&& !old.has(IpsStatus.FIXED_TIMEOUT) && !old.removed();
		if (!mayKill || ct.originalSeqEnd() <= old.originalSeqEnd()) {
			return true;
		}
		this.conntrack.kill(old);
		evicted[0] = old.id();
		return false;
	}

	/** The port class of {@code nf_nat_l4proto_unique_tuple}: {min, range_size}. */
	private static int[] portRange(Tuple tuple, NatRange range, ManipType manip) {
		if (range.has(NatRange.PROTO_SPECIFIED)) {
			int min = Math.min(range.minPort(), range.maxPort());
			int max = Math.max(range.minPort(), range.maxPort());
			return new int[] { min, max - min + 1 };
		}
		int port = port(tuple, manip);
		if (port < 512) {
			return new int[] { 1, 511 };
		}
		if (port < 1024) {
			return new int[] { 600, 1023 - 600 + 1 };
		}
		return new int[] { 1024, 65535 - 1024 + 1 };
	}

	/**
	 * {@code secure_ipv4_port_ephemeral(saddr, daddr, dport)}: a keyed hash of the
	 * addresses and the destination port. Both pods of a SNAT race share all three after
	 * step 2, so {@code --random} gives both the same starting offset.
	 */
	private int securePort(Tuple tuple, int port) {
		long x = this.random.netSecret();
		x = mix(x ^ (tuple.srcIp() & 0xffffffffL));
		x = mix(x ^ (tuple.dstIp() & 0xffffffffL));
		x = mix(x ^ port);
		return (int) x;
	}

	private static long mix(long z) {
		z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
		z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
		return z ^ (z >>> 33);
	}

	private void setRover(L4Proto proto, int off) {
		if (proto == L4Proto.TCP) {
			this.tcpPortRover = off;
		}
		else {
			this.udpPortRover = off;
		}
	}

	private boolean used(Tuple tuple, Conntrack ct, int cpu, long nowNanos, int[] checks) {
		checks[0]++;
		return this.conntrack.tupleTaken(tuple.invert(), ct, cpu, nowNanos);
	}

	/** {@code nf_nat_in_range} for the SRC half (step 1). */
	private static boolean inRange(Tuple tuple, NatRange range) {
		if (range.has(NatRange.MAP_IPS)) {
			long ip = tuple.srcIp() & 0xffffffffL;
			if (ip < (range.minIp() & 0xffffffffL) || ip > (range.maxIp() & 0xffffffffL)) {
				return false;
			}
		}
		if (!range.has(NatRange.PROTO_SPECIFIED)) {
			return true;
		}
		return tuple.srcPort() >= range.minPort() && tuple.srcPort() <= range.maxPort();
	}

	/** {@code find_appropriate_src}: the newest entry with the same original source. */
	private Tuple findAppropriateSrc(Tuple orig, NatRange range) {
		ArrayDeque<Conntrack> list = this.bySource.get(sourceKey(orig));
		if (list == null) {
			return null;
		}
		for (Iterator<Conntrack> it = list.iterator(); it.hasNext();) {
			Conntrack other = it.next();
			if (other.removed()) {
				it.remove();
				continue;
			}
			Tuple mapped = other.reply().invert().withDst(orig.dstIp(), orig.dstPort());
			if (inRange(mapped, range)) {
				return mapped;
			}
		}
		return null;
	}

	private static Tuple sourceKey(Tuple orig) {
		return new Tuple(orig.proto(), orig.srcIp(), orig.srcPort(), 0, 0);
	}

	/** {@code find_best_ips_proto}: one address ranges only need that address. */
	private static Tuple findBestIps(Tuple tuple, NatRange range, ManipType manip) {
		if (!range.has(NatRange.MAP_IPS)) {
			return tuple;
		}
		long min = range.minIp() & 0xffffffffL;
		long max = range.maxIp() & 0xffffffffL;
		int ip = (int) (min + Math.floorMod(tuple.srcIp() * 31 + tuple.dstIp(), max - min + 1));
		return (manip == ManipType.SRC) ? tuple.withSrc(ip, tuple.srcPort()) : tuple.withDst(ip, tuple.dstPort());
	}

	private static int port(Tuple tuple, ManipType manip) {
		return (manip == ManipType.SRC) ? tuple.srcPort() : tuple.dstPort();
	}

	private static Tuple withPort(Tuple tuple, ManipType manip, int port) {
		return (manip == ManipType.SRC) ? tuple.withSrcPort(port) : tuple.withDst(tuple.dstIp(), port);
	}

	/**
	 * {@code nf_nat_packet}: rewrites the header at a NAT hook according to the entry. In
	 * the original direction a SRC hook applies IPS_SRC_NAT; in the reply direction the
	 * bits swap, so replies are de-NATed ({@code statusbit ^= IPS_NAT_MASK}).
	 */
	public PacketHeader natPacket(Skb skb, ManipType mtype) {
		Conntrack ct = skb.ct();
		if (ct == null) {
			return skb.header();
		}
		CtDir dir = skb.ctInfo().dir();
		int statusBit = mtype.natBit();
		if (dir == CtDir.REPLY) {
			statusBit ^= IpsStatus.NAT_MASK;
		}
		if (!ct.has(statusBit)) {
			return skb.header();
		}
		Tuple target = ct.tuple(dir.opposite()).invert();
		Tuple now = skb.tuple();
		Tuple rewritten = (mtype == ManipType.SRC) ? now.withSrc(target.srcIp(), target.srcPort())
				: now.withDst(target.dstIp(), target.dstPort());
		PacketHeader header = skb.header().withTuple(rewritten);
		skb.header(header);
		return header;
	}

}
