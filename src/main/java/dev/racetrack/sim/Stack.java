package dev.racetrack.sim;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.sim.Views.PacketView;

/**
 * A pod: its address, its veth, and the part of its own network stack the clients need:
 * local ports (connect's ephemeral ports as {@code __inet_hash_connect} picks them, see
 * {@link EphemeralPorts}, kept from reuse toward the same destination for 60 s after the
 * pod closed a connection first (its own TIME_WAIT); UDP sockets at a random port) and
 * the demultiplexing of received packets to sockets. The pod also keeps glibc's
 * per-process resolver options ({@code RES_SNGLKUP}, {@code RES_SNGLKUPREOP}), which
 * glibc sets for good after a lookup times out with one answer.
 */
abstract class Stack implements Node.Host {

	/** A socket of the pod. */
	interface Socket {

		void receive(long packetId, PacketHeader header);

	}

	static final int LOCAL_PORT_LOW = 32768;

	static final int LOCAL_PORT_HIGH = 60999;

	/** {@code TCP_TIMEWAIT_LEN}: 60 s. */
	static final long TIME_WAIT_NANOS = 60_000_000_000L;

	private final String name;

	private final int ip;

	private final NodeRun run;

	private final SeededRandom random;

	private final Map<Integer, Socket> sockets = new HashMap<>();

	/** TIME_WAIT sockets of this pod: (port, destination) to the time they end. */
	private Map<Long, Long> timeWait;

	private ArrayDeque<long[]> timeWaitOrder;

	private boolean singleRequest;

	private boolean singleRequestReopen;

	Stack(NodeRun run, String name, int ip, SeededRandom random) {
		this.run = run;
		this.name = name;
		this.ip = ip;
		this.random = random;
	}

	@Override
	public String name() {
		return this.name;
	}

	public int ip() {
		return this.ip;
	}

	NodeRun run() {
		return this.run;
	}

	SeededRandom random() {
		return this.random;
	}

	/**
	 * {@code __inet_hash_connect}: the next ephemeral port toward a destination (see
	 * {@link EphemeralPorts}): a port with no socket of this pod and no TIME_WAIT of this
	 * pod toward the same destination; -1 when there is none ({@code EADDRNOTAVAIL}).
	 */
	int connectPort(int dstIp, int dstPort) {
		long now = this.run.sim().now();
		expireTimeWait(now);
		return this.run.ephemeralPorts()
			.connectPort(this.ip, dstIp, dstPort, (port) -> !this.sockets.containsKey(port)
					&& (this.timeWait == null || !this.timeWait.containsKey(timeWaitKey(port, dstIp, dstPort))));
	}

	/**
	 * A connection this pod closed first enters TIME_WAIT for {@link #TIME_WAIT_NANOS}
	 * ({@code TCP_TIMEWAIT_LEN}): until then {@code connect()} does not reuse its port
	 * toward the same destination.
	 */
	void timeWait(int port, int dstIp, int dstPort) {
		if (this.timeWait == null) {
			this.timeWait = new HashMap<>();
			this.timeWaitOrder = new ArrayDeque<>();
		}
		long key = timeWaitKey(port, dstIp, dstPort);
		long until = this.run.sim().now() + TIME_WAIT_NANOS;
		this.timeWait.put(key, until);
		this.timeWaitOrder.add(new long[] { key, until });
	}

	private void expireTimeWait(long now) {
		if (this.timeWaitOrder == null) {
			return;
		}
		long[] head;
		while ((head = this.timeWaitOrder.peek()) != null && head[1] <= now) {
			this.timeWaitOrder.poll();
			this.timeWait.remove(head[0], head[1]);
		}
	}

	private static long timeWaitKey(int port, int dstIp, int dstPort) {
		return ((long) port << 48) ^ ((dstIp & 0xffffffffL) << 16) ^ dstPort;
	}

	/** {@code udp_lib_get_port}: a random free port. */
	int udpPort() {
		int range = LOCAL_PORT_HIGH - LOCAL_PORT_LOW + 1;
		for (int tries = 0; tries < range; tries++) {
			int port = LOCAL_PORT_LOW + this.random.nextInt(range);
			if (!this.sockets.containsKey(port)) {
				return port;
			}
		}
		throw new IllegalStateException(this.name + " has no free local port");
	}

	void bind(int port, Socket socket) {
		this.sockets.put(port, socket);
	}

	void unbind(int port, Socket socket) {
		this.sockets.remove(port, socket);
	}

	/** Hands a packet to the stack below: a pod's veth, or the node's own output path. */
	abstract void transmit(long id, PacketHeader header, Integer pinnedCpu, long extraDelayNanos);

	/** Sends a packet, tracing it as sent by this host. */
	void send(PacketHeader header, Flow flow, String func, String caption, Integer pinnedCpu, long extraDelayNanos) {
		long id = this.run.node().newPacketId();
		Tracer trace = this.run.trace();
		if (trace.on()) {
			trace.at(this.run.sim().now())
				.packet(id)
				.iface(this.name)
				.func(func)
				.text(caption)
				.emit(new Change.PacketSent(this.name, (flow != null) ? flow.id() : null, PacketView.of(id, header)));
		}
		transmit(id, header, pinnedCpu, extraDelayNanos);
	}

	@Override
	public void receive(long packetId, PacketHeader header) {
		Socket socket = this.sockets.get(header.tuple().dstPort());
		Tracer trace = this.run.trace();
		if (trace.on()) {
			String text = (socket != null)
					? this.name + " receives " + header.label() + " from " + Ipv4.format(header.tuple().srcIp()) + ":"
							+ header.tuple().srcPort() + "."
					: this.name + " has no socket on port " + header.tuple().dstPort() + " and discards "
							+ header.label() + ".";
			trace.at(this.run.sim().now())
				.packet(packetId)
				.iface(this.name)
				.func(header.isTcp() ? "tcp_v4_rcv" : "udp_rcv")
				.text(text)
				.emit(new Change.PacketReceived(this.name, PacketView.of(packetId, header)));
		}
		if (socket != null) {
			socket.receive(packetId, header);
		}
	}

	boolean singleRequest() {
		return this.singleRequest;
	}

	void singleRequest(boolean value) {
		this.singleRequest = value;
	}

	boolean singleRequestReopen() {
		return this.singleRequestReopen;
	}

	void singleRequestReopen(boolean value) {
		this.singleRequestReopen = value;
	}

}
