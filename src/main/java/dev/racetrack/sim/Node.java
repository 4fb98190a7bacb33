package dev.racetrack.sim;

import java.util.ArrayDeque;

import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackInResult;
import dev.racetrack.kernel.conntrack.Skb;
import dev.racetrack.kernel.hook.NatHookResult;
import dev.racetrack.kernel.hook.Netfilter;
import dev.racetrack.kernel.iptables.Table;
import dev.racetrack.kernel.iptables.Traversal;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.PacketHeader;

/**
 * The modelled node: its netfilter, its CPUs, and the path of a forwarded packet through
 * the hook steps. A packet from a pod's veth waits in the backlog of the sending thread's
 * CPU, one from {@code eth0} in that of its 5-tuple's hash; the CPU takes them in turn
 * and runs its steps one engine event each, each lasting its modelled duration, so that
 * two CPUs really are inside the same window at once. A step's state change happens when
 * the step starts. This class is the mechanism only: what each step tells the trace is
 * {@link NodeNarration}'s, called once per step after the kernel acted.
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

		/** The neighbour table was consulted (bridged backends only). */
		boolean neighbourResolved;

		/** A nat hook whose port search is walking, or {@code null}. */
		Netfilter.Binding binding;

		/** The CPU's counters before the step, while a port walk runs (traced runs). */
		long[] countersBefore;

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
	 * One CPU: busy with at most one packet, with its receive backlog
	 * ({@code softnet_data.input_pkt_queue}). Its three continuations are made once, so
	 * that stepping a packet allocates no closure.
	 */
	final class Cpu {

		final int id;

		final ArrayDeque<Job> backlog = new ArrayDeque<>();

		final Runnable nextStep = () -> runStep(this);

		final Runnable release = () -> release(this);

		final Runnable walkStep = () -> walkStep(this);

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

	private final NodeNarration narration;

	private final SeededRandom jitter;

	private final SeededRandom clientPath;

	private final Cpu[] cpus;

	private final IpMap<Host> pods = new IpMap<>();

	private final IpMap<String> podVeths = new IpMap<>();

	private final IpMap<Host> remotes = new IpMap<>();

	/** Backend pods on this node's bridge ({@link NodeConfig#bridgedDns}). */
	private final java.util.Set<Integer> bridged = new java.util.HashSet<>();

	private final Neighbours neighbours;

	private final IpMap<Host> locals = new IpMap<>();

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
		this.clientPath = random.split("client-path");
		Table[] tables = NodeRules.tables(config, topology);
		this.netfilter = new Netfilter(config.kernel(), config.cpus(), tables[0], tables[1], config.conntrackMax(),
				random.split("kernel"), (iface) -> "eth0".equals(iface) ? topology.nodeIp() : topology.bridgeIp());
		this.narration = new NodeNarration(sim, trace, this.netfilter);
		this.neighbours = new Neighbours(sim, timing);
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

	/**
	 * Attaches a backend pod on this node's bridge: a DNATed packet to it goes through
	 * the node's neighbour table ({@link Neighbours}).
	 */
	public void attachBridged(int ip, String veth, Host host) {
		attachPod(ip, veth, host);
		this.bridged.add(ip);
	}

	/** {@code ip neigh flush}: the neighbour entries of the bridged backends are gone. */
	public void flushNeighbours() {
		this.neighbours.flush();
	}

	/** Whether every bridged backend has a resolved neighbour entry. */
	public boolean neighboursResolved() {
		return this.bridged.stream().allMatch(this.neighbours::resolved);
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
	 * A pod transmitted a packet on its veth. The sending thread's path to the bridge
	 * (syscall, the pod's stack, {@code veth_xmit}) takes {@link TimingModel#vethNanos}
	 * plus, in free play, a Lomax jitter of mean
	 * {@link TimingModel#clientPathJitterNanos} for TCP ({@code connect()}) or
	 * {@link TimingModel#sendPathJitterNanos} for UDP (the calibrated part of the client
	 * path, src/docs/kernel-window.md §1); then {@code netif_rx} puts it on the backlog
	 * of the sending thread's CPU, whose softirq takes it through the hooks
	 * (src/docs/kernel-window.md §2).
	 * @param senderCpu the CPU of the sending thread, or {@code null} to steer by the
	 * 5-tuple's hash (RPS)
	 * @param extraDelayNanos a delay before it enters the node (the tc-delay mitigation)
	 */
	public void fromPod(int podIp, long id, PacketHeader header, Integer senderCpu, long extraDelayNanos) {
		if (this.trace.on()) {
			hop(id, header, this.podVeths.get(podIp), "out");
		}
		long path = this.timing.vethNanos() + extraDelayNanos;
		if (this.config.clientPathJitter()) {
			if (header.tuple().proto() == L4Proto.UDP) {
				path += lomax(this.timing.sendPathJitterNanos(), this.timing.sendPathShape());
			}
			else {
				path += lomax(this.timing.clientPathJitterNanos(), TimingModel.CLIENT_PATH_SHAPE);
			}
		}
		this.sim.scheduleAfter(path, new Job(new Skb(id, header), "cni0", senderCpu, Origin.POD));
	}

	/**
	 * The random part of the client path: a Lomax (Pareto II) draw of the given shape and
	 * mean: mostly a few µs, with the long tail of softirq and scheduler delays that
	 * src/docs/kernel-window.md §1's curves show.
	 */
	private long lomax(long meanNanos, double shape) {
		if (meanNanos <= 0) {
			return 0;
		}
		double u = 1 - this.clientPath.nextDouble();
		return (long) (meanNanos * (shape - 1) * (Math.pow(u, -1 / shape) - 1));
	}

	/**
	 * A remote host answered: the packet arrives on {@code eth0} after the wire delay,
	 * and RSS/RPS hands it to the CPU of its 5-tuple's hash.
	 */
	public void fromWire(long id, PacketHeader header) {
		this.sim.scheduleAfter(this.timing.wireNanos(), new Job(new Skb(id, header), "eth0", null, Origin.WIRE));
	}

	/**
	 * A process of the node sent a packet: it takes the OUTPUT path on the CPU of its
	 * 5-tuple's hash (the process's thread).
	 */
	public void fromLocal(long id, PacketHeader header) {
		enqueue(new Job(new Skb(id, header), null, null, Origin.LOCAL));
	}

	/**
	 * {@code netif_rx} / {@code enqueue_to_backlog}: onto the backlog of the packet's CPU
	 * (the sender's, or by RPS the hash of its 5-tuple, so one 5-tuple stays on one CPU);
	 * an idle CPU starts at once.
	 */
	private void enqueue(Job job) {
		Cpu cpu = this.cpus[cpuOf(job)];
		if (cpu.job == null && cpu.backlog.isEmpty()) {
			cpu.job = job;
			runStep(cpu);
		}
		else {
			cpu.backlog.add(job);
		}
	}

	private int cpuOf(Job job) {
		int n = this.cpus.length;
		if (job.pinnedCpu != null) {
			return Math.floorMod(job.pinnedCpu, n);
		}
		if (n == 1) {
			return 0;
		}
		return Math.floorMod(rpsHash(job.skb.tuple()), n);
	}

	/** {@code get_rps_cpu}: a flow hash of the 5-tuple, the same in both directions. */
	private static int rpsHash(dev.racetrack.kernel.packet.Tuple t) {
		long a = ((t.srcIp() & 0xffffffffL) << 16) ^ t.srcPort();
		long b = ((t.dstIp() & 0xffffffffL) << 16) ^ t.dstPort();
		long z = (a ^ b) * 0x9E3779B97F4A7C15L + t.proto().ordinal();
		z = (z ^ (z >>> 29)) * 0xBF58476D1CE4E5B9L;
		return (int) (z ^ (z >>> 32));
	}

	private void runStep(Cpu cpu) {
		Job job = cpu.job;
		long[] before = this.narration.countersBefore(cpu);
		long duration;
		boolean dropped;
		switch (job.step) {
			case CONNTRACK_IN -> {
				this.narration.cpuTakes(cpu, job, cpu.backlog.size());
				dropped = conntrackIn(cpu, job, before);
				duration = this.timing.conntrackInNanos();
			}
			case NAT_PREROUTING -> {
				Traversal walk = this.netfilter.natWalk(job.skb, ManipType.DST, job.hook(Step.NAT_PREROUTING),
						job.inIface, null);
				this.narration.natWalk(cpu, job, walk, Step.NAT_PREROUTING);
				Netfilter.Binding b = this.netfilter.natBindBegin(job.skb, ManipType.DST, walk, null, cpu.id,
						this.sim.now(), true);
				if (b.portWalk() != null) {
					startPortWalk(cpu, job, b, before);
					return;
				}
				this.narration.natBound(cpu, job, b.result(), ManipType.DST, before);
				duration = natCost(b.result(), this.timing.natHookNanos());
				dropped = false;
			}
			case FORWARD -> {
				if (parkedForNeighbour(cpu, job)) {
					return;
				}
				forward(job);
				this.narration.routed(cpu, job);
				duration = this.timing.forwardNanos();
				// In free play, a stalled softirq (src/docs/kernel-window.md §1's tails;
				// the kernel-side fit, see TimingModel).
				if (this.config.clientPathJitter() && this.timing.forwardStallChance() > 0
						&& this.clientPath.nextDouble() < this.timing.forwardStallChance()) {
					duration += (long) (-this.timing.forwardStallNanos() * Math.log(1 - this.clientPath.nextDouble()));
				}
				dropped = false;
			}
			case NAT_POSTROUTING -> {
				Traversal walk = this.netfilter.natWalk(job.skb, ManipType.SRC, job.hook(Step.NAT_POSTROUTING), null,
						job.outIface);
				this.narration.natWalk(cpu, job, walk, Step.NAT_POSTROUTING);
				Netfilter.Binding b = this.netfilter.natBindBegin(job.skb, ManipType.SRC, walk, job.outIface, cpu.id,
						this.sim.now(), false);
				if (b.portWalk() != null) {
					startPortWalk(cpu, job, b, before);
					return;
				}
				this.narration.natBound(cpu, job, b.result(), ManipType.SRC, before);
				duration = natCost(b.result(), this.timing.natHookNanos());
				dropped = false;
			}
			case NAT_PACKET -> {
				this.narration.natPacketSrc(cpu, job, this.netfilter.natPacketSrc(job.skb));
				duration = this.timing.natPacketNanos();
				dropped = false;
			}
			case CONFIRM -> {
				dropped = confirm(cpu, job, before);
				duration = this.timing.confirmNanos();
			}
			default -> throw new IllegalStateException("unknown step " + job.step);
		}
		advance(cpu, job, duration, dropped);
	}

	/**
	 * {@code nf_nat_l4proto_unique_tuple} in time: the start was read when the walk was
	 * made; each candidate's {@code nf_nat_used_tuple} comes
	 * {@link TimingModel#usedTupleNanos} after the last, on this CPU.
	 */
	private void startPortWalk(Cpu cpu, Job job, Netfilter.Binding b, long[] before) {
		job.binding = b;
		job.countersBefore = before;
		this.narration.portWalkStarts(cpu, job, b.portWalk(), before);
		this.sim.scheduleAfter(this.timing.usedTupleNanos(), cpu.walkStep);
	}

	private void walkStep(Cpu cpu) {
		Job job = cpu.job;
		Netfilter.Binding b = job.binding;
		while (!b.portWalk().step(this.sim.now())) {
			this.narration.portWalkStep(cpu, job, b.portWalk(), job.countersBefore);
			long next = this.sim.now() + this.timing.usedTupleNanos();
			if (!this.sim.advanceIfFree(next)) {
				this.sim.schedule(next, cpu.walkStep);
				return;
			}
		}
		NatHookResult r = this.netfilter.natBindFinish(b, this.sim.now());
		job.binding = null;
		this.narration.natBound(cpu, job, r, b.manip(), job.countersBefore);
		job.countersBefore = null;
		long rest = natCost(r, this.timing.natHookNanos()) - this.timing.usedTupleNanos() * r.setup().search().tries();
		advance(cpu, job, rest, false);
	}

	/** The step's work is done: after its jittered duration, the next step (or out). */
	private void advance(Cpu cpu, Job job, long duration, boolean dropped) {
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
		cpu.job = cpu.backlog.poll();
		if (cpu.job != null) {
			runStep(cpu);
		}
	}

	/**
	 * raw (−300) and {@code nf_conntrack_in} (−200); true when the packet is dropped (the
	 * table is full).
	 */
	private boolean conntrackIn(Cpu cpu, Job job, long[] before) {
		Traversal raw = this.netfilter.raw(job.skb, job.hook(Step.CONNTRACK_IN), job.inIface);
		this.narration.rawTable(cpu, job, raw);
		ConntrackInResult r = this.netfilter.conntrackIn(job.skb, cpu.id, this.sim.now());
		armGc();
		this.narration.conntrackIn(cpu, job, r, before);
		return r instanceof ConntrackInResult.TableFull;
	}

	/**
	 * {@code br_nf_pre_routing_finish_bridge}: a packet from a pod that DNAT sent to a
	 * backend on the same bridge goes to {@code neigh->output()}; with no resolved entry
	 * it waits in the ARP queue, between DNAT and the confirm (src/docs/kernel-window.md
	 * §2): the packet that made the entry on its CPU while the ARP exchange runs there, a
	 * packet meeting an entry still resolving with its CPU free for the next. True when
	 * the packet waits.
	 */
	private boolean parkedForNeighbour(Cpu cpu, Job job) {
		int dst = job.skb.tuple().dstIp();
		if (job.origin != Origin.POD || this.bridged.isEmpty() || !this.bridged.contains(dst) || job.neighbourResolved
				|| job.skb.ct() == null || job.skb.ct().original().dstIp() == dst) {
			return false;
		}
		job.neighbourResolved = true;
		switch (this.neighbours.output(dst, () -> enqueue(job))) {
			case SEND -> {
				return false;
			}
			case RESOLVE -> {
				this.narration.neighbourQueued(cpu, job, true);
				this.sim.scheduleAfter(this.neighbours.resolveNanos(), () -> {
					this.neighbours.resolve(dst);
					runStep(cpu);
				});
				return true;
			}
			default -> {
				this.narration.neighbourQueued(cpu, job, false);
				release(cpu);
				return true;
			}
		}
	}

	/** Routing: to a process of the node (INPUT), to a pod on cni0, or out of eth0. */
	private void forward(Job job) {
		int dst = job.skb.tuple().dstIp();
		if (!this.locals.isEmpty() && job.origin != Origin.LOCAL && this.locals.containsKey(dst)) {
			job.local = true;
			job.outIface = "lo";
		}
		else if (this.topology.localPods().contains(dst) || (!this.bridged.isEmpty() && this.bridged.contains(dst))) {
			job.outIface = "cni0";
		}
		else {
			job.outIface = "eth0";
		}
	}

	/** {@code ipv4_confirm}; true when the packet is dropped. */
	private boolean confirm(Cpu cpu, Job job, long[] before) {
		ConfirmResult r = this.netfilter.confirm(job.skb, cpu.id, this.sim.now());
		boolean dropped = (r instanceof ConfirmResult.Clash c && c.dropped())
				|| r instanceof ConfirmResult.ChainTooLong;
		if (r instanceof ConfirmResult.Confirmed || r instanceof ConfirmResult.Clash) {
			armGc();
		}
		this.narration.confirmed(cpu, job, r, dropped, before);
		return dropped;
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
		this.narration.hop(id, h, iface, direction);
	}

	/**
	 * Arms the garbage collector for the next expiry, so entries leave the table on time.
	 */
	void armGc() {
		if (this.gcTimer != null && !this.gcTimer.cancelled() && this.gcTimer.time() >= this.sim.now()
				&& this.gcTimer.time() <= this.netfilter.table().expiryLowerBoundNanos()) {
			// Armed no later than any expiry: the exact next expiry below could only
			// confirm it. Most packets refresh an entry and end here.
			return;
		}
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
			this.narration.expired(ct);
		}
		armGc();
	}

	/** Whether any CPU is busy or any packet waits. */
	public boolean busy() {
		for (Cpu cpu : this.cpus) {
			if (cpu.job != null || !cpu.backlog.isEmpty()) {
				return true;
			}
		}
		return false;
	}

}
