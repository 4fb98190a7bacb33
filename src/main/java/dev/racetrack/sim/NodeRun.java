package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.Ipv4;

/**
 * One simulated run of a node: the engine, the node with its netfilter and CPUs, the pods
 * and remote hosts, the client flows and the trace. A scenario builds the workload
 * through {@link #connect} and {@link #lookup}, then {@link #run}s it. Everything random
 * comes from the seed given here.
 */
public final class NodeRun {

	/** A hard bound on engine actions per run, whatever the workload. */
	public static final long MAX_ACTIONS = 200_000_000L;

	private final NodeConfig config;

	private final TimingModel timing;

	private final Topology topology;

	private final SeededRandom random;

	private final Simulation sim = new Simulation();

	private final Tracer trace;

	private final Node node;

	private final EphemeralPorts ephemeralPorts;

	private final List<Pod> pods = new ArrayList<>();

	private final List<Flow> flows = new ArrayList<>();

	private final List<long[]> counterSamples = new ArrayList<>();

	/** {@code 10.0.0.99:80}, the detail of every connect, formatted once. */
	private final String serverLabel;

	private boolean stoppedByBound;

	private int internalFlows;

	private final java.util.Map<Integer, TcpClient> keepAlive = new java.util.HashMap<>();

	public NodeRun(NodeConfig config, TimingModel timing, long seed, Tracer trace) {
		this.config = config;
		this.timing = timing;
		this.topology = Topology.standard(config.endpoints());
		this.serverLabel = Ipv4.format(this.topology.serverIp()) + ":" + this.topology.serverPort();
		this.random = new SeededRandom(seed);
		this.trace = trace;
		this.node = new Node(this.sim, trace, timing, this.topology, config, this.random);
		this.ephemeralPorts = new EphemeralPorts(config.kernel(), this.random.split("ephemeral-ports"));
		this.node.attachRemote(this.topology.serverIp(),
				RemoteHosts.server(this, this.topology, this.random.split("server")));
		for (int i = 0; i < this.topology.dnsEndpoints().size(); i++) {
			int ip = this.topology.dnsEndpoints().get(i);
			RemoteHosts.Host endpoint = RemoteHosts.endpoint(this, i, ip, this.random.split("endpoint-" + i));
			if (config.bridgedDns()) {
				this.node.attachBridged(ip, "veth-" + Topology.endpointName(i), endpoint);
			}
			else {
				this.node.attachRemote(ip, endpoint);
			}
		}
		if (config.mitigation() == Mitigation.NODELOCAL_DNS) {
			new NodeLocalDns(this, Ipv4.parse(Topology.NODE_LOCAL_DNS), this.topology.nodeIp());
		}
	}

	/**
	 * The nameserver of the pods' resolv.conf: kube-dns's ClusterIP, or NodeLocal
	 * DNSCache.
	 */
	public int nameserver() {
		return (this.config.mitigation() == Mitigation.NODELOCAL_DNS) ? Ipv4.parse(Topology.NODE_LOCAL_DNS)
				: this.topology.clusterDnsIp();
	}

	/**
	 * A flow of the node's own processes (e.g. the cache's upstream queries): not a
	 * client flow.
	 */
	Flow internalFlow(Stack stack, String detail) {
		return new Flow(stack.name() + "#" + (++this.internalFlows), stack.name(), Flow.Kind.DNS_LOOKUP, this.sim.now(),
				detail);
	}

	public NodeConfig config() {
		return this.config;
	}

	public TimingModel timing() {
		return this.timing;
	}

	public Topology topology() {
		return this.topology;
	}

	public Simulation sim() {
		return this.sim;
	}

	public Tracer trace() {
		return this.trace;
	}

	public Node node() {
		return this.node;
	}

	/** The node kernel's choice of ephemeral ports for {@code connect()}. */
	EphemeralPorts ephemeralPorts() {
		return this.ephemeralPorts;
	}

	/** An independent random stream of this run, for one purpose. */
	public SeededRandom random(String purpose) {
		return this.random.split(purpose);
	}

	/** Pod {@code index}, created (with the pods before it) on first use. */
	public Pod pod(int index) {
		while (this.pods.size() <= index) {
			int i = this.pods.size();
			Pod pod = new Pod(this, i, this.random.split("pod-" + i));
			this.pods.add(pod);
			this.node.attachPod(pod.ip(), pod.veth(), pod);
		}
		return this.pods.get(index);
	}

	public List<Pod> pods() {
		return Collections.unmodifiableList(this.pods);
	}

	public List<Flow> flows() {
		return Collections.unmodifiableList(this.flows);
	}

	/** Whether the last {@link #run} stopped at {@link #MAX_ACTIONS}. */
	public boolean stoppedByBound() {
		return this.stoppedByBound;
	}

	Flow newFlow(Stack pod, Flow.Kind kind, String detail) {
		Flow flow = new Flow("f" + (this.flows.size() + 1), pod.name(), kind, this.sim.now(), detail);
		this.flows.add(flow);
		if (this.trace.on()) {
			String what = (kind == Flow.Kind.TCP_CONNECT) ? "connects to " + detail : "looks up " + detail;
			this.trace.at(this.sim.now())
				.iface(pod.name())
				.func((kind == Flow.Kind.TCP_CONNECT) ? "connect" : "getaddrinfo")
				.text(pod.name() + " " + what + (what.endsWith(".") ? "" : "."))
				.emit(new Change.FlowStart(flow.view()));
		}
		return flow;
	}

	/** A client timer, traced as set, fired, or cleared. */
	Simulation.Timer timer(Flow flow, String name, long delayNanos, Runnable action) {
		long at = this.sim.now() + delayNanos;
		if (this.trace.on()) {
			this.trace.at(this.sim.now())
				.iface(flow.pod())
				.func("mod_timer")
				.text(flow.pod() + " arms its " + name + " timer for " + TcpClient.format(delayNanos) + ".")
				.emit(new Change.TimerSet(flow.id(), name, at));
		}
		return this.sim.at(at, () -> {
			if (this.trace.on()) {
				this.trace.at(this.sim.now())
					.iface(flow.pod())
					.func("run_timer_softirq")
					.text(flow.pod() + "'s " + name + " timer fires.")
					.emit(new Change.TimerFired(flow.id(), name));
			}
			action.run();
		});
	}

	void cancel(Flow flow, String name, Simulation.Timer timer) {
		if (timer == null || timer.cancelled() || timer.fired()) {
			return;
		}
		timer.cancel();
		if (this.trace.on()) {
			this.trace.at(this.sim.now())
				.iface(flow.pod())
				.func("del_timer")
				.text(flow.pod() + " stops its " + name + " timer.")
				.emit(new Change.TimerCleared(flow.id(), name));
		}
	}

	/**
	 * A TCP connection from a pod to the server at {@code atNanos}.
	 * @param sourcePort a fixed local port, or 0 for an ephemeral one
	 * @param cpu the CPU of the connecting thread, or {@code null}
	 * @param onDone called when the connection is closed or has failed
	 */
	public void connect(Pod pod, long atNanos, int sourcePort, Integer cpu, Runnable onDone) {
		connect(pod, atNanos, sourcePort, cpu, 0, onDone);
	}

	/**
	 * A TCP connection from a pod to the server at {@code atNanos}, given up after
	 * {@code connectTimeoutNanos} (0: only by the kernel's SYN retries).
	 * @param sourcePort a fixed local port, or 0 for an ephemeral one
	 * @param cpu the CPU of the connecting thread, or {@code null}
	 * @param onDone called when the connection is closed or has failed
	 */
	public void connect(Pod pod, long atNanos, int sourcePort, Integer cpu, long connectTimeoutNanos, Runnable onDone) {
		this.sim.schedule(atNanos, () -> {
			Flow flow = newFlow(pod, Flow.Kind.TCP_CONNECT, this.serverLabel);
			new TcpClient(pod, flow, this.topology.serverIp(), this.topology.serverPort(), sourcePort, cpu, List.of(),
					new TcpClient.Listener() {
						@Override
						public void connected(TcpClient client) {
						}

						@Override
						public void answered(TcpClient client, DnsMessage answer) {
						}

						@Override
						public void closed(TcpClient client, boolean ok) {
							onDone.run();
						}
					}, true)
				.connectTimeout(connectTimeoutNanos)
				.start();
		});
	}

	/**
	 * A request from a pod to the server at {@code atNanos} over the pod's one kept-alive
	 * connection (the keep-alive mitigation): the first request opens it, later ones
	 * reuse it.
	 * @param onDone called when the server's response arrives (or the connection failed)
	 */
	public void request(Pod pod, long atNanos, int sourcePort, Integer cpu, Runnable onDone) {
		this.sim.at(atNanos, () -> {
			TcpClient client = this.keepAlive.get(pod.index());
			if (client == null || client.closed()) {
				Flow flow = newFlow(pod, Flow.Kind.TCP_CONNECT,
						Ipv4.format(this.topology.serverIp()) + ":" + this.topology.serverPort());
				client = new TcpClient(pod, flow, this.topology.serverIp(), this.topology.serverPort(), sourcePort, cpu,
						List.of(), new TcpClient.Listener() {
							@Override
							public void connected(TcpClient c) {
							}

							@Override
							public void answered(TcpClient c, DnsMessage answer) {
							}

							@Override
							public void closed(TcpClient c, boolean ok) {
								if (!ok) {
									onDone.run();
								}
							}
						}, true)
					.persistent();
				this.keepAlive.put(pod.index(), client);
				client.start();
			}
			client.request(onDone);
		});
	}

	/**
	 * A DNS lookup from a pod at {@code atNanos}.
	 * @param onDone called when the lookup has an answer or has failed
	 */
	public void lookup(Pod pod, long atNanos, LookupOptions options, Runnable onDone) {
		this.sim.schedule(atNanos, () -> {
			Flow flow = newFlow(pod, Flow.Kind.DNS_LOOKUP, options.name());
			new Resolver(pod, flow, options, onDone).start();
		});
	}

	/**
	 * Runs until nothing is pending or {@code untilNanos}, within {@link #MAX_ACTIONS}.
	 */
	public void run(long untilNanos) {
		this.stoppedByBound = this.sim.run(untilNanos, MAX_ACTIONS);
	}

	/**
	 * Records the node's {@code conntrack -S} totals now: {time, then every counter in
	 * the order of {@link dev.racetrack.kernel.conntrack.ConntrackStats.Counter}}. The
	 * sustained workloads sample at every window boundary.
	 */
	public void sampleCounters() {
		var stats = this.node.netfilter().stats();
		var all = dev.racetrack.kernel.conntrack.ConntrackStats.Counter.values();
		long[] row = new long[all.length + 1];
		row[0] = this.sim.now();
		for (int i = 0; i < all.length; i++) {
			row[i + 1] = stats.total(all[i]);
		}
		this.counterSamples.add(row);
	}

	/** The samples of {@link #sampleCounters()}, oldest first. */
	public List<long[]> counterSamples() {
		return Collections.unmodifiableList(this.counterSamples);
	}

	/** The summary of the run so far. */
	public RunSummary summary() {
		return RunSummary.of(this);
	}

}
