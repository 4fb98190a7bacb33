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
	 * always sets the manip's NAT_DONE bit.
	 */
	public NatSetup setupInfo(Conntrack ct, NatRange range, ManipType manip, boolean nullBinding, int cpu,
			long nowNanos) {
		if (ct.confirmed() || ct.has(manip.doneBit())) {
			throw new IllegalStateException("NAT already set up for " + manip + " on " + ct);
		}
		Tuple current = ct.reply().invert();
		Tuple replyBefore = ct.reply();
		Choice choice = getUniqueTuple(current, range, ct, manip, cpu, nowNanos);
		if (!choice.tuple.equals(current)) {
			this.conntrack.alterReply(ct, choice.tuple.invert());
			this.conntrack.setStatus(ct, manip.natBit());
		}
		if (manip == ManipType.SRC) {
			this.bySource.computeIfAbsent(sourceKey(ct.original()), (k) -> new ArrayDeque<>()).addFirst(ct);
		}
		this.conntrack.setStatus(ct, manip.doneBit());
		return new NatSetup(ct, manip, range, nullBinding, choice.step, current, choice.tuple, replyBefore, ct.reply(),
				choice.search, choice.usedChecks);
	}

	private record Choice(Tuple tuple, Step step, PortSearch search, int usedChecks) {
	}

	/** {@code get_unique_tuple}, steps 1 to 4. */
	private Choice getUniqueTuple(Tuple orig, NatRange range, Conntrack ct, ManipType manip, int cpu, long nowNanos) {
		int[] checks = { 0 };
		boolean randomAll = range.has(NatRange.PROTO_RANDOM_ALL);
		// 1) SRC without --random/--random-fully: keep the original tuple, or reuse an
		// existing
		// mapping of the same source.
		if (manip == ManipType.SRC && !randomAll) {
			if (inRange(orig, range)) {
				if (!used(orig, ct, cpu, nowNanos, checks)) {
					return new Choice(orig, Step.ORIGINAL_KEPT, null, checks[0]);
				}
			}
			else {
				Tuple mapped = findAppropriateSrc(orig, range);
				if (mapped != null && !used(mapped, ct, cpu, nowNanos, checks)) {
					return new Choice(mapped, Step.SOURCE_MAPPING_REUSED, null, checks[0]);
				}
			}
		}
		// 2) Choose the address (MASQUERADE, DNAT and null bindings give exactly one).
		Tuple tuple = findBestIps(orig, range, manip);
		// 3) Keep the port if it is in range and unused; a fixed DNAT port is not even
		// checked.
		if (!randomAll) {
			if (range.has(NatRange.PROTO_SPECIFIED)) {
				int port = port(tuple, manip);
				if (port >= range.minPort() && port <= range.maxPort()
						&& (range.minPort() == range.maxPort() || !used(tuple, ct, cpu, nowNanos, checks))) {
					return new Choice(tuple, Step.PORT_KEPT, null, checks[0]);
				}
			}
			else if (!used(tuple, ct, cpu, nowNanos, checks)) {
				return new Choice(tuple, Step.PORT_KEPT, null, checks[0]);
			}
		}
		// 4) Ask the protocol for a unique port.
		if (manip == ManipType.DST && !range.has(NatRange.PROTO_SPECIFIED)) {
			return new Choice(tuple, Step.PORT_UNCHANGEABLE, null, checks[0]);
		}
		Searched searched = this.profile.has(KernelBehaviour.CAPPED_PORT_SEARCH)
				? uniqueTuple50(tuple, range, ct, manip, cpu, nowNanos)
				: uniqueTuple417(tuple, range, ct, manip, cpu, nowNanos);
		return new Choice(searched.tuple, Step.PORT_SEARCHED, searched.search, checks[0]);
	}

	private record Searched(Tuple tuple, PortSearch search) {
	}

	/**
	 * {@code nf_nat_l4proto_unique_tuple}, 4.17: rover / secure_port / prandom, linear,
	 * no cap.
	 */
	private Searched uniqueTuple417(Tuple tuple, NatRange range, Conntrack ct, ManipType manip, int cpu,
			long nowNanos) {
		int[] minAndSize = portRange(tuple, range, manip);
		int min = minAndSize[0];
		int rangeSize = minAndSize[1];
		int off;
		String source;
		int roverBefore = rover(tuple.proto());
		if (range.has(NatRange.PROTO_RANDOM)) {
			off = securePort(tuple, (manip == ManipType.SRC) ? tuple.dstPort() : tuple.srcPort()) & 0xffff;
			source = "secure_port";
		}
		else if (range.has(NatRange.PROTO_RANDOM_FULLY)) {
			off = this.random.prandomU32() & 0xffff;
			source = "prandom";
		}
		else {
			off = roverBefore;
			source = "rover";
		}
		int firstPort = min + off % rangeSize;
		int i = 0;
		while (true) {
			Tuple candidate = withPort(tuple, manip, min + off % rangeSize);
			i++;
			boolean used = (i != rangeSize) && this.conntrack.tupleTaken(candidate.invert(), ct, cpu, nowNanos);
			if (used) {
				off = (off + 1) & 0xffff;
				continue;
			}
			if (!range.has(NatRange.PROTO_RANDOM_ALL)) {
				setRover(tuple.proto(), off);
			}
			// The whole range was tried: the last candidate is returned even if it is
			// used.
			boolean free = (i != rangeSize) || this.conntrack.find(candidate.invert(), nowNanos) == null;
			return new Searched(candidate, new PortSearch(port(candidate, manip), free, i, firstPort, source,
					roverBefore, rover(tuple.proto()), 1, -1));
		}
	}

	/**
	 * {@code nf_nat_l4proto_unique_tuple}, 5.0+: random start, rounds of 128/64/32/16/8.
	 */
	private Searched uniqueTuple50(Tuple tuple, NatRange range, Conntrack ct, ManipType manip, int cpu, long nowNanos) {
		int[] minAndSize = portRange(tuple, range, manip);
		int min = minAndSize[0];
		int rangeSize = minAndSize[1];
		int off = this.random.prandomU32() & 0xffff;
		int firstPort = min + off % rangeSize;
		int attempts = Math.min(rangeSize, MAX_ATTEMPTS);
		int tries = 0;
		int rounds = 0;
		long[] evicted = { -1 };
		Tuple candidate = tuple;
		while (true) {
			rounds++;
			for (int i = 0; i < attempts; i++, off = (off + 1) & 0xffff) {
				candidate = withPort(tuple, manip, min + off % rangeSize);
				tries++;
				if (!usedHarder(candidate, ct, attempts - i, cpu, nowNanos, evicted)) {
					return new Searched(candidate, new PortSearch(port(candidate, manip), true, tries, firstPort,
							"prandom", -1, -1, rounds, evicted[0]));
				}
			}
			if (attempts >= rangeSize || attempts < 16) {
				return new Searched(candidate, new PortSearch(port(candidate, manip), false, tries, firstPort,
						"prandom", -1, -1, rounds, evicted[0]));
			}
			attempts /= 2;
			off = this.random.prandomU32() & 0xffff;
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
