package dev.racetrack.sim;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackInResult;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.Skb;
import dev.racetrack.kernel.hook.NatHookResult;
import dev.racetrack.kernel.hook.Netfilter;
import dev.racetrack.kernel.iptables.Traversal;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.nat.PortSearch;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.sim.Views.CtView;
import dev.racetrack.sim.Views.PacketView;
import dev.racetrack.sim.Views.RoverView;
import dev.racetrack.sim.Views.SearchView;
import dev.racetrack.sim.Views.TupleView;

/**
 * The modelled node: its netfilter, its CPUs, and the path of a forwarded packet through
 * the hook steps. Packets from a pod's veth or from {@code eth0} wait in the receive
 * backlog (or the queue of the CPU they are pinned to); an idle CPU takes the next one
 * and runs its steps one engine event each, each lasting its modelled duration, so that
 * two CPUs really are inside the same window at once. A step's state change happens when
 * the step starts.
 */
public final class Node {

	/** The steps of a forwarded packet. */
	enum Step {

		CONNTRACK_IN, NAT_PREROUTING, FORWARD, NAT_POSTROUTING, NAT_PACKET, CONFIRM;

		/** The step after this one, or {@code null} after the last. */
		Step next() {
			return (ordinal() + 1 < STEPS.length) ? STEPS[ordinal() + 1] : null;
		}

	}

	/** Where a packet entered the node's stack. */
	enum Origin {

		/** From a pod's veth through cni0: PREROUTING. */
		POD,

		/** From the wire on eth0: PREROUTING. */
		WIRE,

		/** From a process of the node itself: OUTPUT. */
		LOCAL

	}

	/** {@code Step.values()} once: the call copies the array every time. */
	private static final Step[] STEPS = Step.values();

	/**
	 * A packet inside the node. As a {@link Runnable} it is the packet's arrival at the
	 * node's side of its link, so that scheduling the arrival allocates nothing more.
	 */
	final class Job implements Runnable {

		final Skb skb;

		final String inIface;

		final Integer pinnedCpu;

		final Origin origin;

		String outIface;

		/** Routed to a process of the node (INPUT) rather than forwarded. */
		boolean local;

		Step step = Step.CONNTRACK_IN;

		Job(Skb skb, String inIface, Integer pinnedCpu, Origin origin) {
			this.skb = skb;
			this.inIface = inIface;
			this.pinnedCpu = pinnedCpu;
			this.origin = origin;
		}

		/** The hook a step runs in on this packet's path. */
		String hook(Step step) {
			return switch (step) {
				case CONNTRACK_IN, NAT_PREROUTING -> (this.origin == Origin.LOCAL) ? "OUTPUT" : "PREROUTING";
				case FORWARD -> null;
				default -> this.local ? "INPUT" : "POSTROUTING";
			};
		}

		@Override
		public void run() {
			hop(this.skb.id(), this.skb.header(), this.inIface, "in");
			enqueue(this);
		}

	}

	/**
	 * One CPU: busy with at most one packet, with a queue of packets pinned to it. Its
	 * three continuations are made once, so that stepping a packet allocates no closure.
	 */
	final class Cpu {

		final int id;

		final ArrayDeque<Job> pinned = new ArrayDeque<>();

		final Runnable nextStep = () -> runStep(this);

		final Runnable release = () -> release(this);

		final Runnable transmitAndRelease = () -> {
			transmit(this.job);
			release(this);
		};

		Job job;

		Cpu(int id) {
			this.id = id;
		}

	}

	/** Something at the far end of a link: a pod, the server, a DNS endpoint. */
	public interface Host {

		String name();

		void receive(long packetId, PacketHeader header);

	}

	private final Simulation sim;

	private final Tracer trace;

	private final TimingModel timing;

	private final Topology topology;

	private final NodeConfig config;

	private final Netfilter netfilter;

	private final SeededRandom jitter;

	private final SeededRandom steering;

	private final Cpu[] cpus;

	private final ArrayDeque<Job> backlog = new ArrayDeque<>();

	private final Map<Integer, Host> pods = new HashMap<>();

	private final Map<Integer, String> podVeths = new HashMap<>();

	private final Map<Integer, Host> remotes = new HashMap<>();

	private final Map<Integer, Host> locals = new HashMap<>();

	private long nextPacketId = 1;

	private Simulation.Timer gcTimer;

	public Node(Simulation sim, Tracer trace, TimingModel timing, Topology topology, NodeConfig config,
			SeededRandom random) {
		this.sim = sim;
		this.trace = trace;
		this.timing = timing;
		this.topology = topology;
		this.config = config;
		this.jitter = random.split("step-jitter");
		this.steering = random.split("steering");
		this.netfilter = new Netfilter(config.kernel(), config.cpus(), NodeRules.nat(config, topology),
				NodeRules.raw(config, topology), config.conntrackMax(), random.split("kernel"),
				(iface) -> "eth0".equals(iface) ? topology.nodeIp() : topology.bridgeIp());
		this.cpus = new Cpu[config.cpus()];
		for (int i = 0; i < this.cpus.length; i++) {
			this.cpus[i] = new Cpu(i);
		}
	}

	public Netfilter netfilter() {
		return this.netfilter;
	}

	public Topology topology() {
		return this.topology;
	}

	public NodeConfig config() {
		return this.config;
	}

	public Simulation sim() {
		return this.sim;
	}

	public Tracer trace() {
		return this.trace;
	}

	public TimingModel timing() {
		return this.timing;
	}

	/** Attaches a pod behind {@code cni0} through its veth. */
	public void attachPod(int ip, String veth, Host pod) {
		this.pods.put(ip, pod);
		this.podVeths.put(ip, veth);
	}

	/** Attaches a remote host reached through {@code eth0}. */
	public void attachRemote(int ip, Host host) {
		this.remotes.put(ip, host);
	}

	/** Attaches a process of the node itself, listening on a local address. */
	public void attachLocal(int ip, Host host) {
		this.locals.put(ip, host);
	}

	public long newPacketId() {
		return this.nextPacketId++;
	}

	/**
	 * A pod transmitted a packet on its veth: it crosses to the bridge and waits for a
	 * CPU.
	 * @param pinnedCpu the CPU that must take it (race replays), or {@code null} for any
	 * @param extraDelayNanos a delay before it enters the node (the tc-delay mitigation)
	 */
	public void fromPod(int podIp, long id, PacketHeader header, Integer pinnedCpu, long extraDelayNanos) {
		String veth = this.podVeths.get(podIp);
		hop(id, header, veth, "out");
		this.sim.scheduleAfter(this.timing.vethNanos() + extraDelayNanos,
				new Job(new Skb(id, header), "cni0", pinnedCpu, Origin.POD));
	}

	/**
	 * A remote host answered: the packet arrives on {@code eth0} after the wire delay.
	 */
	public void fromWire(long id, PacketHeader header) {
		this.sim.scheduleAfter(this.timing.wireNanos(), new Job(new Skb(id, header), "eth0", null, Origin.WIRE));
	}

	/**
	 * A process of the node sent a packet: it takes the OUTPUT path on the sending CPU's
	 * backlog.
	 */
	public void fromLocal(long id, PacketHeader header) {
		enqueue(new Job(new Skb(id, header), null, null, Origin.LOCAL));
	}

	private void enqueue(Job job) {
		if (job.pinnedCpu != null && job.pinnedCpu >= 0 && job.pinnedCpu < this.cpus.length) {
			this.cpus[job.pinnedCpu].pinned.add(job);
		}
		else {
			this.backlog.add(job);
		}
		dispatch();
	}

	/**
	 * Every idle CPU takes its next packet: first those pinned to it, then the backlog.
	 */
	private void dispatch() {
		int n = this.cpus.length;
		int start = (n > 1) ? this.steering.nextInt(n) : 0;
		for (int k = 0; k < n; k++) {
			Cpu cpu = this.cpus[(start + k) % n];
			if (cpu.job != null) {
				continue;
			}
			Job job = cpu.pinned.isEmpty() ? this.backlog.poll() : cpu.pinned.poll();
			if (job == null) {
				continue;
			}
			cpu.job = job;
			runStep(cpu);
		}
	}

	private void runStep(Cpu cpu) {
		Job job = cpu.job;
		long[] before = this.trace.on() ? countersOf(cpu.id) : null;
		long duration;
		boolean dropped;
		switch (job.step) {
			case CONNTRACK_IN -> {
				if (this.trace.on()) {
					at(cpu, job, null).iface((job.inIface != null) ? job.inIface : "lo")
						.func((job.origin == Origin.LOCAL) ? "ip_local_out" : "net_rx_action")
						.text(Captions.cpu(cpu.id) + "takes " + job.skb.header().label()
								+ ((job.origin == Origin.LOCAL) ? " from a process of the node."
										: " from the receive backlog."))
						.emit(new Change.CpuTake(this.backlog.size()));
				}
				dropped = conntrackIn(cpu, job, before);
				duration = this.timing.conntrackInNanos();
			}
			case NAT_PREROUTING -> {
				Traversal walk = this.netfilter.natWalk(job.skb, ManipType.DST, job.hook(Step.NAT_PREROUTING),
						job.inIface, null);
				traceWalk(cpu, job, walk, Step.NAT_PREROUTING);
				NatHookResult r = this.netfilter.natBind(job.skb, ManipType.DST, walk, null, cpu.id, this.sim.now(),
						true);
				traceNat(cpu, job, r, ManipType.DST, before);
				duration = natCost(r, this.timing.natHookNanos());
				dropped = false;
			}
			case FORWARD -> {
				dropped = forward(cpu, job);
				duration = this.timing.forwardNanos();
			}
			case NAT_POSTROUTING -> {
				Traversal walk = this.netfilter.natWalk(job.skb, ManipType.SRC, job.hook(Step.NAT_POSTROUTING), null,
						job.outIface);
				traceWalk(cpu, job, walk, Step.NAT_POSTROUTING);
				NatHookResult r = this.netfilter.natBind(job.skb, ManipType.SRC, walk, job.outIface, cpu.id,
						this.sim.now(), false);
				traceNat(cpu, job, r, ManipType.SRC, before);
				duration = natCost(r, this.timing.natHookNanos());
				dropped = false;
			}
			case NAT_PACKET -> {
				NatHookResult r = this.netfilter.natPacketSrc(job.skb);
				if (this.trace.on()) {
					String text = r.mangled()
							? Captions.cpu(cpu.id) + "`nf_nat_packet` rewrites the source"
									+ (isReply(job) ? " back" : "") + ": " + r.before().tuple() + " becomes "
									+ r.after().tuple() + "."
							: Captions.cpu(cpu.id) + "`nf_nat_packet` has nothing to rewrite here.";
					at(cpu, job, Step.NAT_PACKET).func("nf_nat_packet")
						.text(text)
						.emit(new Change.NatPacket(ManipType.SRC, PacketView.of(job.skb.id(), r.before()),
								PacketView.of(job.skb.id(), r.after())));
				}
				duration = this.timing.natPacketNanos();
				dropped = false;
			}
			case CONFIRM -> {
				dropped = confirm(cpu, job, before);
				duration = this.timing.confirmNanos();
			}
			default -> throw new IllegalStateException("unknown step " + job.step);
		}
		long took = this.jitter.jitter(duration, this.timing.stepJitter());
		if (dropped) {
			this.sim.scheduleAfter(took, cpu.release);
			return;
		}
		Step next = job.step.next();
		if (next == null) {
			this.sim.scheduleAfter(took, cpu.transmitAndRelease);
			return;
		}
		job.step = next;
		this.sim.scheduleAfter(took, cpu.nextStep);
	}

	private void release(Cpu cpu) {
		cpu.job = null;
		dispatch();
	}

	private boolean conntrackIn(Cpu cpu, Job job, long[] before) {
		Traversal raw = this.netfilter.raw(job.skb, job.hook(Step.CONNTRACK_IN), job.inIface);
		if (raw != null && job.skb.untracked() && this.trace.on()) {
			at(cpu, job, Step.CONNTRACK_IN).func("ipt_do_table")
				.text(Captions.cpu(cpu.id) + "the raw table's NOTRACK rule exempts this packet from conntrack.")
				.emit(new Change.Notrack(hitTexts(raw)));
		}
		ConntrackInResult r = this.netfilter.conntrackIn(job.skb, cpu.id, this.sim.now());
		armGc();
		if (r instanceof ConntrackInResult.TableFull) {
			traceDrop(cpu, job, Step.CONNTRACK_IN, "nf_conntrack_in",
					"the conntrack table is full and nothing can be evicted", before);
			return true;
		}
		if (!this.trace.on()) {
			return false;
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
		return false;
	}

	private boolean forward(Cpu cpu, Job job) {
		int dst = job.skb.tuple().dstIp();
		if (this.locals.containsKey(dst) && job.origin != Origin.LOCAL) {
			job.local = true;
			job.outIface = "lo";
		}
		else if (this.topology.localPods().contains(dst)) {
			job.outIface = "cni0";
		}
		else {
			job.outIface = "eth0";
		}
		if (this.trace.on()) {
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
		return false;
	}

	private boolean confirm(Cpu cpu, Job job, long[] before) {
		ConfirmResult r = this.netfilter.confirm(job.skb, cpu.id, this.sim.now());
		boolean dropped = (r instanceof ConfirmResult.Clash c && c.dropped())
				|| r instanceof ConfirmResult.ChainTooLong;
		if (r instanceof ConfirmResult.Confirmed || r instanceof ConfirmResult.Clash) {
			armGc();
		}
		if (this.trace.on()) {
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
		return dropped;
	}

	private void traceDrop(Cpu cpu, Job job, Step step, String func, String reason, long[] before) {
		if (this.trace.on()) {
			at(cpu, job, step).func(func)
				.text(Captions.cpu(cpu.id) + job.skb.header().label() + " is dropped: " + reason + ".")
				.counters(changed(cpu.id, before))
				.emit(new Change.PacketDropped(reason));
		}
	}

	private void traceNat(Cpu cpu, Job job, NatHookResult r, ManipType manip, long[] before) {
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

	private void traceWalk(Cpu cpu, Job job, Traversal t, Step step) {
		if (t == null || !this.trace.on()) {
			return;
		}
		String verdict = (t.verdict() != null) ? t.verdict().save() : "no NAT rule: policy ACCEPT";
		String text = Captions.cpu(cpu.id) + "`ipt_do_table` walks nat " + job.hook(step) + ": " + Captions.walk(t);
		at(cpu, job, step).func("ipt_do_table")
			.text(text)
			.emit(new Change.NatRules(job.hook(step), hitTexts(t), verdict));
	}

	private boolean isReply(Job job) {
		return job.skb.ctInfo() != null && job.skb.ctInfo().dir() == dev.racetrack.kernel.conntrack.CtDir.REPLY;
	}

	private long natCost(NatHookResult r, long base) {
		long cost = base;
		if (r.traversal() != null) {
			cost += this.timing.ruleNanos() * r.traversal().hits().size();
		}
		if (r.setup() != null) {
			cost += this.timing.usedTupleNanos() * r.setup().usedChecks();
			if (r.setup().search() != null) {
				cost += this.timing.usedTupleNanos() * r.setup().search().tries();
			}
		}
		return cost;
	}

	private void transmit(Job job) {
		PacketHeader h = job.skb.header();
		long id = job.skb.id();
		if (job.local) {
			Host process = this.locals.get(h.tuple().dstIp());
			if (process != null) {
				process.receive(id, h);
			}
			return;
		}
		hop(id, h, job.outIface, "out");
		if ("cni0".equals(job.outIface)) {
			Host pod = this.pods.get(h.tuple().dstIp());
			if (pod == null) {
				return;
			}
			String veth = this.podVeths.get(h.tuple().dstIp());
			this.sim.scheduleAfter(this.timing.vethNanos(), () -> {
				hop(id, h, veth, "in");
				pod.receive(id, h);
			});
			return;
		}
		Host remote = this.remotes.get(h.tuple().dstIp());
		if (remote != null) {
			this.sim.scheduleAfter(this.timing.wireNanos(), () -> remote.receive(id, h));
		}
	}

	private void hop(long id, PacketHeader h, String iface, String direction) {
		if (this.trace.on()) {
			String text = h.label() + " " + h.tuple() + ("in".equals(direction) ? " arrives on " : " leaves on ")
					+ iface + ".";
			this.trace.at(this.sim.now())
				.packet(id)
				.iface(iface)
				.func("in".equals(direction) ? "netif_receive_skb" : "dev_queue_xmit")
				.text(text)
				.emit(new Change.PacketHop(PacketView.of(id, h), direction));
		}
	}

	/**
	 * Arms the garbage collector for the next expiry, so entries leave the table on time.
	 */
	void armGc() {
		long next = this.netfilter.table().nextExpiryNanos();
		if (next == Long.MAX_VALUE) {
			return;
		}
		if (this.gcTimer != null && !this.gcTimer.cancelled() && this.gcTimer.time() <= next
				&& this.gcTimer.time() >= this.sim.now()) {
			return;
		}
		if (this.gcTimer != null) {
			this.gcTimer.cancel();
		}
		this.gcTimer = this.sim.at(Math.max(next, this.sim.now()), this::collectGarbage);
	}

	private void collectGarbage() {
		this.gcTimer = null;
		Conntrack ct;
		while ((ct = this.netfilter.table().expireNext(this.sim.now())) != null) {
			if (this.trace.on()) {
				String what = ct.clashEntry() ? "clash entry #" + ct.id() + " times out after its fixed 1 s"
						: "entry #" + ct.id() + " times out" + ((ct.tcpState() != null) ? " in " + ct.tcpState() : "");
				this.trace.at(this.sim.now())
					.func("gc_worker")
					.text("`gc_worker`: " + what + " and leaves the table.")
					.emit(new Change.CtDestroy(ct.id(), "expired"));
			}
		}
		armGc();
	}

	/** Whether any CPU is busy or any packet waits. */
	public boolean busy() {
		if (!this.backlog.isEmpty()) {
			return true;
		}
		for (Cpu cpu : this.cpus) {
			if (cpu.job != null || !cpu.pinned.isEmpty()) {
				return true;
			}
		}
		return false;
	}

	/**
	 * An event of a CPU working on a packet, at the hook of {@code step} (none when
	 * {@code step} is {@code null}).
	 */
	private Tracer.Emission at(Cpu cpu, Job job, Step step) {
		Tracer.Emission e = this.trace.at(this.sim.now()).cpu(cpu.id).packet(job.skb.id());
		return (step != null) ? e.hook(job.hook(step)) : e;
	}

	private long[] countersOf(int cpu) {
		ConntrackStats.Counter[] all = ConntrackStats.Counter.values();
		long[] values = new long[all.length];
		for (int i = 0; i < all.length; i++) {
			values[i] = this.netfilter.stats().get(cpu, all[i]);
		}
		return values;
	}

	private Map<String, Long> changed(int cpu, long[] before) {
		if (before == null) {
			return null;
		}
		ConntrackStats.Counter[] all = ConntrackStats.Counter.values();
		Map<String, Long> changed = null;
		for (int i = 0; i < all.length; i++) {
			long now = this.netfilter.stats().get(cpu, all[i]);
			if (now != before[i]) {
				if (changed == null) {
					changed = new LinkedHashMap<>();
				}
				changed.put(all[i].label(), now);
				before[i] = now;
			}
		}
		return changed;
	}

	private static List<String> hitTexts(Traversal t) {
		return t.hits().stream().map(Traversal.Hit::text).toList();
	}

	/** The shared rover of a protocol as a view, or {@code null} without a rover. */
	public RoverView rover(L4Proto proto) {
		int r = this.netfilter.nat().rover(proto);
		return (r < 0) ? null : new RoverView(proto.label(), r, 1024 + r % 64512);
	}

}
