package dev.racetrack.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackInResult;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.CtDir;
import dev.racetrack.kernel.hook.NatHookResult;
import dev.racetrack.kernel.hook.Netfilter;
import dev.racetrack.kernel.iptables.Traversal;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.nat.NatCore;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.nat.PortSearch;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.sim.Node.Cpu;
import dev.racetrack.sim.Node.Job;
import dev.racetrack.sim.Node.Origin;
import dev.racetrack.sim.Node.Step;
import dev.racetrack.sim.Views.CtView;
import dev.racetrack.sim.Views.PacketView;
import dev.racetrack.sim.Views.RoverView;
import dev.racetrack.sim.Views.SearchView;
import dev.racetrack.sim.Views.TupleView;

/**
 * What {@link Node} does, told: for each step of a packet's path the trace event with its
 * caption, the conntrack counters the step changed, and the state change for the Lab.
 * {@link Node} calls one method per thing that happened, after it happened; every method
 * returns at once when tracing is off, so an untraced run builds no caption and no view.
 */
final class NodeNarration {

	private static final ConntrackStats.Counter[] COUNTERS = ConntrackStats.Counter.values();

	private final Simulation sim;

	private final Tracer trace;

	private final Netfilter netfilter;

	NodeNarration(Simulation sim, Tracer trace, Netfilter netfilter) {
		this.sim = sim;
		this.trace = trace;
		this.netfilter = netfilter;
	}

	/**
	 * The counters of {@code cpu} before a step, to tell afterwards which ones it
	 * changed; {@code null} when tracing is off.
	 */
	long[] countersBefore(Cpu cpu) {
		if (!this.trace.on()) {
			return null;
		}
		long[] values = new long[COUNTERS.length];
		for (int i = 0; i < COUNTERS.length; i++) {
			values[i] = this.netfilter.stats().get(cpu.id, COUNTERS[i]);
		}
		return values;
	}

	/** A CPU took a packet from the backlog (or from a process of the node). */
	void cpuTakes(Cpu cpu, Job job, int backlogLeft) {
		if (!this.trace.on()) {
			return;
		}
		at(cpu, job, null).iface((job.inIface != null) ? job.inIface : "lo")
			.func((job.origin == Origin.LOCAL) ? "ip_local_out" : "net_rx_action")
			.text(Captions.cpu(cpu.id) + "takes " + job.skb.header().label()
					+ ((job.origin == Origin.LOCAL) ? " from a process of the node." : " from the receive backlog."))
			.emit(new Change.CpuTake(backlogLeft));
	}

	/** The raw table walked; {@code raw} is {@code null} when it has no rules here. */
	void rawTable(Cpu cpu, Job job, Traversal raw) {
		if (raw == null || !job.skb.untracked() || !this.trace.on()) {
			return;
		}
		at(cpu, job, Step.CONNTRACK_IN).func("ipt_do_table")
			.text(Captions.cpu(cpu.id) + "the raw table's NOTRACK rule exempts this packet from conntrack.")
			.emit(new Change.Notrack(hitTexts(raw)));
	}

	/** {@code nf_conntrack_in} ran. */
	void conntrackIn(Cpu cpu, Job job, ConntrackInResult r, long[] before) {
		if (!this.trace.on()) {
			return;
		}
		if (r instanceof ConntrackInResult.TableFull) {
			dropped(cpu, job, Step.CONNTRACK_IN, "nf_conntrack_in",
					"the conntrack table is full and nothing can be evicted", before);
			return;
		}
		long now = this.sim.now();
		PacketHeader h = job.skb.header();
		if (r instanceof ConntrackInResult.Created c) {
			at(cpu, job, Step.CONNTRACK_IN).func("nf_conntrack_in")
				.text(Captions.ctNew(cpu.id, h, c.ct(), c.reopened()))
				.counters(changed(cpu.id, before))
				.emit(new Change.CtNew(CtView.of(c.ct(), now), (c.reopened() != null) ? c.reopened().id() : null,
						(c.earlyDropped() != null) ? c.earlyDropped().id() : null));
		}
		else if (r instanceof ConntrackInResult.Found f) {
			at(cpu, job, Step.CONNTRACK_IN).func("nf_conntrack_in")
				.text(Captions.ctFound(cpu.id, h, f.ct(), f.dir().name(), f.clashEntryDeleted()))
				.counters(changed(cpu.id, before))
				.emit(new Change.CtFound(CtView.of(f.ct(), now), f.dir().name(), f.info().name(),
						(f.before() != null) ? f.before().name() : null, f.ct().removed()));
		}
		else if (r instanceof ConntrackInResult.Invalid i) {
			at(cpu, job, Step.CONNTRACK_IN).func("nf_conntrack_in")
				.text(Captions.cpu(cpu.id) + "`nf_conntrack_in`: " + i.reason() + "; the packet goes on untracked.")
				.counters(changed(cpu.id, before))
				.emit(new Change.CtInvalid((i.ct() != null) ? i.ct().id() : null, i.reason()));
		}
		else {
			at(cpu, job, Step.CONNTRACK_IN).func("nf_conntrack_in")
				.text(Captions.cpu(cpu.id) + "`nf_conntrack_in` skips an untracked packet.")
				.counters(changed(cpu.id, before))
				.emit(new Change.CtNone("untracked"));
		}
	}

	/** The first half of a nat hook: the nat chain walked ({@code null}: no walk). */
	void natWalk(Cpu cpu, Job job, Traversal t, Step step) {
		if (t == null || !this.trace.on()) {
			return;
		}
		String verdict = (t.verdict() != null) ? t.verdict().save() : "no NAT rule: policy ACCEPT";
		String text = Captions.cpu(cpu.id) + "`ipt_do_table` walks nat " + job.hook(step) + ": " + Captions.walk(t);
		at(cpu, job, step).func("ipt_do_table")
			.text(text)
			.emit(new Change.NatRules(job.hook(step), hitTexts(t), verdict));
	}

	/**
	 * The second half of a nat hook: the binding set up (or why none was), and in
	 * PREROUTING the destination rewritten.
	 */
	void natBound(Cpu cpu, Job job, NatHookResult r, ManipType manip, long[] before) {
		if (!this.trace.on()) {
			return;
		}
		Step step = (manip == ManipType.DST) ? Step.NAT_PREROUTING : Step.NAT_POSTROUTING;
		String func = (manip == ManipType.DST) ? "nf_nat_ipv4_pre_routing" : "nf_nat_ipv4_out";
		long now = this.sim.now();
		if (r.setup() != null) {
			NatSetup s = r.setup();
			PortSearch p = s.search();
			SearchView search = (p != null) ? new SearchView(p.offsetSource(), p.firstPort(), p.port(), p.tries(),
					p.free(), p.rounds(), p.roverBefore(), p.roverAfter(), p.evictedCtId()) : null;
			RoverView rover = null;
			if (p != null && p.roverAfter() >= 0) {
				rover = new RoverView(s.ct().proto().label(), p.roverAfter(), 1024 + p.roverAfter() % 64512);
			}
			boolean masquerade = r.traversal() != null && r.traversal().verdict() != null
					&& r.traversal().verdict().save().contains("MASQUERADE");
			at(cpu, job, step).func(func)
				.text(Captions.natSetup(cpu.id, s, masquerade))
				.counters(changed(cpu.id, before))
				.rover(rover)
				.emit(new Change.NatSetup(CtView.of(s.ct(), now), manip, s.nullBinding(), s.step().name(),
						TupleView.of(s.before()), TupleView.of(s.chosen()), search));
		}
		else if (manip == ManipType.SRC || !r.mangled()) {
			at(cpu, job, step).func(func)
				.text(Captions.cpu(cpu.id) + "nat " + job.hook(step) + ": " + r.note() + ".")
				.emit(new Change.NatSkip(manip, r.note()));
		}
		if (manip == ManipType.DST && r.mangled()) {
			at(cpu, job, step).func("nf_nat_packet")
				.text(Captions.cpu(cpu.id) + "`nf_nat_packet` rewrites the "
						+ (isReply(job) ? "destination back: " : "destination: ") + r.before().tuple() + " becomes "
						+ r.after().tuple() + ".")
				.emit(new Change.NatPacket(ManipType.DST, PacketView.of(job.skb.id(), r.before()),
						PacketView.of(job.skb.id(), r.after())));
		}
	}

	/**
	 * {@code nf_nat_l4proto_unique_tuple} read its start and begins to walk, one
	 * candidate at a time; its {@code nat-setup} event tells where it ended.
	 */
	void portWalkStarts(Cpu cpu, Job job, NatCore.PortWalk walk, long[] before) {
		if (!this.trace.on()) {
			return;
		}
		String from = switch (walk.offsetSource()) {
			case "rover" -> "the shared rover (" + walk.roverBefore() + ")";
			case "secure_port" -> "`secure_port`'s hash of the addresses and the server port";
			default -> "a random offset";
		};
		Step step = job.step;
		at(cpu, job, step).func("nf_nat_l4proto_unique_tuple")
			.text(Captions.cpu(cpu.id)
					+ ((walk.randomOption() == null) ? "the port is taken, so "
							: "with " + walk.randomOption() + " the original port is not even tried: ")
					+ "`nf_nat_l4proto_unique_tuple` starts from " + from + " and walks from port " + walk.firstPort()
					+ ", one `nf_nat_used_tuple` per candidate; it chooses only when it finds a free one.")
			.counters(changed(cpu.id, before))
			.emit(new Change.PortWalk(walk.ct().id(), walk.ct().proto().label(), walk.firstPort(), -1, 0, false,
					walk.offsetSource(), walk.roverBefore()));
	}

	/** The walk tested one more candidate with {@code nf_nat_used_tuple}. */
	void portWalkStep(Cpu cpu, Job job, NatCore.PortWalk walk, long[] before) {
		if (!this.trace.on()) {
			return;
		}
		boolean taken = walk.lastTaken();
		at(cpu, job, job.step).func("nf_nat_used_tuple")
			.text(Captions.cpu(cpu.id) + "`nf_nat_used_tuple`: port " + walk.lastPort()
					+ (taken ? " is taken by a confirmed entry; the walk goes on."
							: " is free as far as this CPU can see."))
			.counters(changed(cpu.id, before))
			.emit(new Change.PortWalk(walk.ct().id(), walk.ct().proto().label(), walk.firstPort(), walk.lastPort(),
					walk.tries(), taken, walk.offsetSource(), walk.roverBefore()));
	}

	/** {@code nf_nat_packet} at POSTROUTING. */
	void natPacketSrc(Cpu cpu, Job job, NatHookResult r) {
		if (!this.trace.on()) {
			return;
		}
		String text = r.mangled()
				? Captions.cpu(cpu.id) + "`nf_nat_packet` rewrites the source" + (isReply(job) ? " back" : "") + ": "
						+ r.before().tuple() + " becomes " + r.after().tuple() + "."
				: Captions.cpu(cpu.id) + "`nf_nat_packet` has nothing to rewrite here.";
		at(cpu, job, Step.NAT_PACKET).func("nf_nat_packet")
			.text(text)
			.emit(new Change.NatPacket(ManipType.SRC, PacketView.of(job.skb.id(), r.before()),
					PacketView.of(job.skb.id(), r.after())));
	}

	/**
	 * No resolved neighbour entry: the packet waits in the ARP queue; {@code asks}: it
	 * made the entry and its CPU runs the ARP exchange.
	 */
	void neighbourQueued(Cpu cpu, Job job, boolean asks) {
		if (!this.trace.on()) {
			return;
		}
		String dst = Ipv4.format(job.skb.tuple().dstIp());
		String how = asks
				? "parks it in the ARP queue and asks who has " + dst + " (the answer comes back in this softirq run)"
				: "parks it behind the ARP request already out for " + dst + "; CPU " + cpu.id
						+ " takes its next packet";
		at(cpu, job, Step.FORWARD).func("neigh_resolve_output")
			.text(Captions.cpu(cpu.id) + "the bridge has no ARP entry for " + dst + " yet: "
					+ "`br_nf_pre_routing_finish_bridge` hands " + job.skb.header().label()
					+ " to `neigh_resolve_output`, which " + how + ". Entry #" + job.skb.ct().id()
					+ " stays unconfirmed meanwhile.")
			.emit(new Change.Route("cni0"));
	}

	/** Routing chose the way out. */
	void routed(Cpu cpu, Job job) {
		if (!this.trace.on()) {
			return;
		}
		int dst = job.skb.tuple().dstIp();
		String label = job.skb.header().label();
		String where = job.local
				? "delivers " + label + " for " + Ipv4.format(dst) + " to a process of the node (INPUT)"
				: "sends " + label + " for " + Ipv4.format(dst) + " out of " + job.outIface;
		String func = (job.origin == Origin.LOCAL) ? "ip_route_output_key"
				: job.local ? "ip_local_deliver" : "ip_forward";
		at(cpu, job, Step.FORWARD).func(func)
			.text(Captions.cpu(cpu.id) + "routing " + where + ".")
			.emit(new Change.Route(job.outIface));
	}

	/** {@code __nf_conntrack_confirm} ran; {@code dropped}: the packet is lost. */
	void confirmed(Cpu cpu, Job job, ConfirmResult r, boolean dropped, long[] before) {
		if (!this.trace.on()) {
			return;
		}
		long now = this.sim.now();
		Change change;
		if (r instanceof ConfirmResult.Confirmed c) {
			change = new Change.CtConfirm(CtView.of(c.ct(), now));
		}
		else if (r instanceof ConfirmResult.Clash c) {
			change = new Change.CtClash(CtView.of(c.loser(), now), CtView.of(c.winner(), now), c.clashedOn().name(),
					c.resolution().name(), (c.attachedTo() != null) ? CtView.of(c.attachedTo(), now) : null);
		}
		else if (r instanceof ConfirmResult.ChainTooLong c) {
			change = new Change.ChainTooLong(CtView.of(c.ct(), now));
		}
		else {
			change = new Change.ConfirmSkip(((ConfirmResult.NotNeeded) r).reason());
		}
		at(cpu, job, Step.CONFIRM).func("__nf_conntrack_confirm")
			.text(Captions.confirm(cpu.id, r))
			.counters(changed(cpu.id, before))
			.emit(change);
		if (dropped) {
			at(cpu, job, Step.CONFIRM).func("nf_hook_slow")
				.text(Captions.cpu(cpu.id) + job.skb.header().label() + " is dropped between cni0 and eth0: "
						+ "it never leaves the node.")
				.emit(new Change.PacketDropped("insert_failed"));
		}
	}

	/** A packet crossed an interface ({@code direction} {@code in} or {@code out}). */
	void hop(long id, PacketHeader h, String iface, String direction) {
		if (!this.trace.on()) {
			return;
		}
		String text = h.label() + " " + h.tuple() + ("in".equals(direction) ? " arrives on " : " leaves on ") + iface
				+ ".";
		this.trace.at(this.sim.now())
			.packet(id)
			.iface(iface)
			.func("in".equals(direction) ? "netif_receive_skb" : "dev_queue_xmit")
			.text(text)
			.emit(new Change.PacketHop(PacketView.of(id, h), direction));
	}

	/** {@code gc_worker} removed an entry whose timeout passed. */
	void expired(Conntrack ct) {
		if (!this.trace.on()) {
			return;
		}
		String what = ct.clashEntry() ? "clash entry #" + ct.id() + " times out after its fixed 1 s"
				: "entry #" + ct.id() + " times out" + ((ct.tcpState() != null) ? " in " + ct.tcpState() : "");
		this.trace.at(this.sim.now())
			.func("gc_worker")
			.text("`gc_worker`: " + what + " and leaves the table.")
			.emit(new Change.CtDestroy(ct.id(), "expired"));
	}

	private void dropped(Cpu cpu, Job job, Step step, String func, String reason, long[] before) {
		at(cpu, job, step).func(func)
			.text(Captions.cpu(cpu.id) + job.skb.header().label() + " is dropped: " + reason + ".")
			.counters(changed(cpu.id, before))
			.emit(new Change.PacketDropped(reason));
	}

	/**
	 * An event of a CPU working on a packet, at the hook of {@code step} (none when
	 * {@code step} is {@code null}).
	 */
	private Tracer.Emission at(Cpu cpu, Job job, Step step) {
		Tracer.Emission e = this.trace.at(this.sim.now()).cpu(cpu.id).packet(job.skb.id());
		return (step != null) ? e.hook(job.hook(step)) : e;
	}

	private static boolean isReply(Job job) {
		return job.skb.ctInfo() != null && job.skb.ctInfo().dir() == CtDir.REPLY;
	}

	/** The counters that changed since {@code before}, which is brought up to date. */
	private Map<String, Long> changed(int cpu, long[] before) {
		if (before == null) {
			return null;
		}
		Map<String, Long> changed = null;
		for (int i = 0; i < COUNTERS.length; i++) {
			long now = this.netfilter.stats().get(cpu, COUNTERS[i]);
			if (now != before[i]) {
				if (changed == null) {
					changed = new LinkedHashMap<>();
				}
				changed.put(COUNTERS[i].label(), now);
				before[i] = now;
			}
		}
		return changed;
	}

	private static List<String> hitTexts(Traversal t) {
		return t.hits().stream().map(Traversal.Hit::text).toList();
	}

}
