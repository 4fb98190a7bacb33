package dev.racetrack.sim;

import java.util.HashMap;
import java.util.Map;

import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.sim.Views.PacketView;

/**
 * A pod: its address, its veth, and the part of its own network stack the clients need:
 * local ports (connect's ephemeral ports as {@code __inet_hash_connect} picks them: an
 * even port at a keyed offset plus a moving hint, in {@code ip_local_port_range}
 * 32768–60999; UDP sockets at a random port) and the demultiplexing of received packets
 * to sockets. The pod also keeps glibc's per-process resolver options
 * ({@code RES_SNGLKUP}, {@code RES_SNGLKUPREOP}), which glibc sets for good after a
 * lookup times out with one answer.
 */
abstract class Stack implements Node.Host {

	/** A socket of the pod. */
	interface Socket {

		void receive(long packetId, PacketHeader header);

	}

	static final int LOCAL_PORT_LOW = 32768;

	static final int LOCAL_PORT_HIGH = 60999;

	private final String name;

	private final int ip;

	private final NodeRun run;

	private final SeededRandom random;

	private final long portSecret;

	private final Map<Integer, Socket> sockets = new HashMap<>();

	private int hint;

	private boolean singleRequest;

	private boolean singleRequestReopen;

	Stack(NodeRun run, String name, int ip, SeededRandom random) {
		this.run = run;
		this.name = name;
		this.ip = ip;
		this.random = random;
		this.portSecret = random.nextLong();
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

	/** {@code __inet_hash_connect}: the next ephemeral port toward a destination. */
	int connectPort(int dstIp, int dstPort) {
		int range = LOCAL_PORT_HIGH - LOCAL_PORT_LOW + 1;
		long offset = mix(this.portSecret ^ ((dstIp & 0xffffffffL) << 16) ^ dstPort);
		for (int tries = 0; tries < range; tries += 2) {
			int port = LOCAL_PORT_LOW + (int) (Math.floorMod(offset + this.hint, range) & ~1);
			this.hint += 2;
			if (!this.sockets.containsKey(port)) {
				return port;
			}
		}
		throw new IllegalStateException(this.name + " has no free local port");
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

	private static long mix(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
