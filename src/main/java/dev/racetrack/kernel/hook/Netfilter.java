package dev.racetrack.kernel.hook;

import java.util.List;
import java.util.function.ToIntFunction;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackCore;
import dev.racetrack.kernel.conntrack.ConntrackInResult;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackTable;
import dev.racetrack.kernel.conntrack.CtInfo;
import dev.racetrack.kernel.conntrack.Skb;
import dev.racetrack.kernel.conntrack.TupleHash;
import dev.racetrack.kernel.iptables.IptablesEvaluator;
import dev.racetrack.kernel.iptables.MatchContext;
import dev.racetrack.kernel.iptables.Table;
import dev.racetrack.kernel.iptables.Target;
import dev.racetrack.kernel.iptables.Traversal;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.nat.NatCore;
import dev.racetrack.kernel.nat.NatRange;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.Tuple;

/**
 * The IPv4 netfilter hooks of one node, each a separate step so that an engine can switch
 * CPUs between them: raw PREROUTING (−300), {@code nf_conntrack_in} (−200), nat
 * PREROUTING (−100, DNAT or a null binding, then {@code nf_nat_packet}), nat POSTROUTING
 * (+100, MASQUERADE or a null binding), {@code nf_nat_packet} for the SRC manip, and
 * {@code ipv4_confirm} (last) [PRIO][K-L3V4][K-NATCORE6]. Every step returns what it did.
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
public final class Netfilter {

	private final KernelProfile profile;

	private final ConntrackCore conntrack;

	private final NatCore nat;

	private final Table natTable;

	private final Table rawTable;

	private final KernelRandom random;

	private final ToIntFunction<String> interfaceAddress;

	/**
	 * @param profile the kernel
	 * @param cpus the number of CPUs
	 * @param natTable the iptables nat table
	 * @param rawTable the iptables raw table
	 * @param conntrackMax {@code nf_conntrack_max}
	 * @param random the kernel's randomness
	 * @param interfaceAddress the primary address of an interface, for MASQUERADE
	 */
	public Netfilter(KernelProfile profile, int cpus, Table natTable, Table rawTable, int conntrackMax,
			KernelRandom random, ToIntFunction<String> interfaceAddress) {
		this.profile = profile;
		ConntrackTable table = new ConntrackTable(cpus, ConntrackTable.DEFAULT_BUCKETS, conntrackMax);
		this.conntrack = new ConntrackCore(profile, table, new ConntrackStats(cpus));
		this.nat = new NatCore(profile, this.conntrack, random);
		this.natTable = natTable;
		this.rawTable = rawTable;
		this.random = random;
		this.interfaceAddress = interfaceAddress;
	}

	public KernelProfile profile() {
		return this.profile;
	}

	public ConntrackTable table() {
		return this.conntrack.table();
	}

	public ConntrackStats stats() {
		return this.conntrack.stats();
	}

	public NatCore nat() {
		return this.nat;
	}

	public Table natTable() {
		return this.natTable;
	}

	public Table rawTable() {
		return this.rawTable;
	}

	/**
	 * raw PREROUTING (−300): a {@code NOTRACK} rule marks the packet untracked. Returns
	 * the walk, or {@code null} when the raw table has no rules for this hook.
	 */
	public Traversal rawPrerouting(Skb skb, String inIface) {
		return raw(skb, "PREROUTING", inIface);
	}

	/**
	 * The raw table at PREROUTING or OUTPUT (−300): a {@code NOTRACK} rule marks the
	 * packet untracked. Returns the walk, or {@code null} when the chain has no rules.
	 */
	public Traversal raw(Skb skb, String chain, String inIface) {
		if (this.rawTable.isEmpty(chain)) {
			return null;
		}
		Traversal walk = IptablesEvaluator.walk(this.rawTable, chain,
				new MatchContext(skb.tuple(), inIface, null, skb.mark(), this.random));
		if (walk.verdict() instanceof Target.Notrack) {
			skb.markUntracked();
		}
		return walk;
	}

	/** {@code nf_conntrack_in} (PREROUTING, −200). */
	public ConntrackInResult conntrackIn(Skb skb, int cpu, long nowNanos) {
		return this.conntrack.conntrackIn(skb, cpu, nowNanos);
	}

	/**
	 * nat PREROUTING (−100): for a new entry, walk the nat PREROUTING chain; a DNAT sets
	 * up the destination, otherwise a null binding; then {@code nf_nat_packet} rewrites
	 * the destination (and de-SNATs replies).
	 */
	public NatHookResult natPrerouting(Skb skb, String inIface, int cpu, long nowNanos) {
		return natHook(skb, ManipType.DST, "PREROUTING", inIface, null, cpu, nowNanos, true);
	}

	/**
	 * nat POSTROUTING (+100): for a new entry, walk the nat POSTROUTING chain; MASQUERADE
	 * sets up the source, otherwise a null binding. The header is rewritten by
	 * {@link #natPacketSrc}.
	 */
	public NatHookResult natPostrouting(Skb skb, String outIface, int cpu, long nowNanos) {
		return natHook(skb, ManipType.SRC, "POSTROUTING", null, outIface, cpu, nowNanos, false);
	}

	/**
	 * {@code nf_nat_packet} at POSTROUTING: rewrites the source (and de-DNATs replies).
	 */
	public NatHookResult natPacketSrc(Skb skb) {
		PacketHeader before = skb.header();
		PacketHeader after = this.nat.natPacket(skb, ManipType.SRC);
		return new NatHookResult(null, null, before, after, null);
	}

	/** {@code ipv4_confirm} → {@code __nf_conntrack_confirm} (POSTROUTING, last). */
	public ConfirmResult confirm(Skb skb, int cpu, long nowNanos) {
		return this.conntrack.confirm(skb, cpu, nowNanos);
	}

	/** The conntrack garbage collector: entries whose timeout passed. */
	public List<Conntrack> expire(long nowNanos) {
		return this.conntrack.table().expire(nowNanos);
	}

	/** {@code nf_conntrack_find_get}: the confirmed node of a tuple, counting nothing. */
	public TupleHash find(Tuple tuple, long nowNanos) {
		return this.conntrack.find(tuple, nowNanos);
	}

	/** {@code nf_ct_kill}. */
	public boolean kill(Conntrack ct) {
		return this.conntrack.kill(ct);
	}

	private NatHookResult natHook(Skb skb, ManipType manip, String chain, String inIface, String outIface, int cpu,
			long nowNanos, boolean mangleNow) {
		Traversal walk = natWalk(skb, manip, inIface, outIface);
		return natBind(skb, manip, walk, outIface, cpu, nowNanos, mangleNow);
	}

	/**
	 * The first half of a nat hook: for a new entry whose manip is not yet done, walk the
	 * nat chain of the hook ({@code ipt_do_table}); {@code null} when no walk is needed.
	 * Changes nothing but the packet mark.
	 */
	public Traversal natWalk(Skb skb, ManipType manip, String inIface, String outIface) {
		return natWalk(skb, manip, (manip == ManipType.DST) ? "PREROUTING" : "POSTROUTING", inIface, outIface);
	}

	/**
	 * As {@link #natWalk(Skb, ManipType, String, String)}, on a given chain: OUTPUT for
	 * the DST manip of locally generated packets, INPUT for the SRC manip of locally
	 * delivered ones.
	 */
	public Traversal natWalk(Skb skb, ManipType manip, String chain, String inIface, String outIface) {
		if (bindingNote(skb, manip) != null) {
			return null;
		}
		Traversal walk = IptablesEvaluator.walk(this.natTable, chain,
				new MatchContext(skb.tuple(), inIface, outIface, skb.mark(), this.random));
		skb.mark(walk.mark());
		return walk;
	}

	/**
	 * The second half: the walk's NAT target sets up the binding
	 * ({@code nf_nat_setup_info}), or a null binding when it had none; then, in
	 * PREROUTING, {@code nf_nat_packet}. A port search runs to its end at
	 * {@code nowNanos}.
	 */
	public NatHookResult natBind(Skb skb, ManipType manip, Traversal walk, String outIface, int cpu, long nowNanos,
			boolean mangleNow) {
		Binding b = natBindBegin(skb, manip, walk, outIface, cpu, nowNanos, mangleNow);
		if (b.portWalk() == null) {
			return b.result();
		}
		while (!b.portWalk().step(nowNanos)) {
			// every candidate at the same instant
		}
		return natBindFinish(b, nowNanos);
	}

	/**
	 * As {@link #natBind}, for an engine that gives the port search time: when
	 * {@code get_unique_tuple} must search (step 4), the result holds the
	 * {@link NatCore.PortWalk} to step, one {@code nf_nat_used_tuple} per instant, and
	 * {@link #natBindFinish} completes the hook; otherwise the hook's result.
	 */
	public Binding natBindBegin(Skb skb, ManipType manip, Traversal walk, String outIface, int cpu, long nowNanos,
			boolean mangleNow) {
		PacketHeader before = skb.header();
		String note = bindingNote(skb, manip);
		if (note != null) {
			PacketHeader after = mangleNow ? this.nat.natPacket(skb, manip) : before;
			return new Binding(new NatHookResult(walk, null, before, after, note), null, skb, manip, walk, mangleNow);
		}
		Conntrack ct = skb.ct();
		NatRange range = (walk != null) ? rangeOf(walk.verdict(), outIface) : null;
		boolean nullBinding = range == null;
		if (nullBinding) {
			// nf_nat_alloc_null_binding: the entry's own address, no port range
			int ip = (manip == ManipType.SRC) ? ct.reply().dstIp() : ct.reply().srcIp();
			range = NatRange.address(ip, 0);
		}
		NatCore.Setup setup = this.nat.beginSetup(ct, range, manip, nullBinding, cpu, nowNanos);
		if (setup.walk() != null) {
			return new Binding(null, setup.walk(), skb, manip, walk, mangleNow);
		}
		PacketHeader after = mangleNow ? this.nat.natPacket(skb, manip) : before;
		return new Binding(new NatHookResult(walk, setup.done(), before, after, null), null, skb, manip, walk,
				mangleNow);
	}

	/** Completes a hook whose port walk has found its port, at {@code nowNanos}. */
	public NatHookResult natBindFinish(Binding b, long nowNanos) {
		PacketHeader before = b.skb().header();
		NatSetup setup = b.portWalk().finish(nowNanos);
		PacketHeader after = b.mangleNow() ? this.nat.natPacket(b.skb(), b.manip()) : before;
		return new NatHookResult(b.traversal(), setup, before, after, null);
	}

	/**
	 * A nat hook under way: its result, or the port walk still to make.
	 *
	 * @param result the hook's result, or {@code null} while a walk is pending
	 * @param portWalk the pending walk, or {@code null}
	 * @param skb the packet
	 * @param manip the manip of the hook
	 * @param traversal the nat chain's walk
	 * @param mangleNow whether {@code nf_nat_packet} runs in this hook (PREROUTING)
	 */
	public record Binding(NatHookResult result, NatCore.PortWalk portWalk, Skb skb, ManipType manip,
			Traversal traversal, boolean mangleNow) {
	}

	/**
	 * Why a nat hook has nothing to set up for this packet, or {@code null} when it has.
	 */
	private static String bindingNote(Skb skb, ManipType manip) {
		Conntrack ct = skb.ct();
		if (ct == null) {
			return skb.untracked() ? "untracked: no NAT" : "no conntrack entry: no NAT";
		}
		if (skb.ctInfo() != CtInfo.NEW) {
			return "established: the entry's binding applies";
		}
		if (ct.has(manip.doneBit())) {
			return "binding already set up for this entry";
		}
		return null;
	}

	private NatRange rangeOf(Target verdict, String outIface) {
		if (verdict instanceof Target.Dnat dnat) {
			return dnat.range();
		}
		if (verdict instanceof Target.Masquerade masq) {
			return NatRange.address(this.interfaceAddress.applyAsInt(outIface), masq.mode().rangeFlags());
		}
		return null;
	}

}
