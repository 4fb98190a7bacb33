package dev.racetrack.sim;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.DnsWire;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;
import dev.racetrack.sim.Views.PacketView;

/**
 * The hosts beyond {@code eth0}: the external server ({@code 10.0.0.99:80}) and the
 * kube-dns endpoints, which answer over UDP and TCP on port 53. They answer after a
 * processing delay and keep just enough TCP state to answer a handshake, DNS queries and
 * a close.
 */
final class RemoteHosts {

	private RemoteHosts() {
	}

	/** A remote host with a passive TCP side and, for DNS endpoints, a UDP responder. */
	static final class Host implements Node.Host {

		private final String name;

		private final int ip;

		private final boolean dns;

		private final NodeRun run;

		private final SeededRandom random;

		private final Map<Tuple, long[]> connections = new HashMap<>();

		Host(NodeRun run, String name, int ip, boolean dns, SeededRandom random) {
			this.run = run;
			this.name = name;
			this.ip = ip;
			this.dns = dns;
			this.random = random;
		}

		@Override
		public String name() {
			return this.name;
		}

		@Override
		public void receive(long packetId, PacketHeader h) {
			Tracer trace = this.run.trace();
			if (trace.on()) {
				trace.at(this.run.sim().now())
					.packet(packetId)
					.iface(this.name)
					.func(h.isTcp() ? "tcp_v4_rcv" : "udp_rcv")
					.text(this.name + " (" + Ipv4.format(this.ip) + ") receives " + h.label() + " from "
							+ Ipv4.format(h.tuple().srcIp()) + ":" + h.tuple().srcPort() + ".")
					.emit(new Change.PacketReceived(this.name, PacketView.of(packetId, h)));
			}
			if (h.tuple().dstIp() != this.ip) {
				return;
			}
			if (h.isTcp()) {
				tcp(h);
			}
			else if (this.dns && h.dns() != null && !h.dns().response()) {
				answer(PacketHeader.udp(h.tuple().invert(), answerTo(h.dns())));
			}
		}

		private void tcp(PacketHeader h) {
			Tuple key = h.tuple();
			int flags = h.tcpFlags();
			long[] conn = this.connections.get(key);
			if (TcpFlags.has(flags, TcpFlags.SYN) && !TcpFlags.has(flags, TcpFlags.ACK)) {
				if (conn == null) {
					long isn = ((this.run.sim().now() >>> 6) + this.random.nextInt(1 << 16)) & 0xffffffffL;
					conn = new long[] { isn + 1, h.seq() + 1, 0 };
					this.connections.put(key, conn);
				}
				answer(PacketHeader.tcp(key.invert(), TcpFlags.SYN | TcpFlags.ACK, conn[0] - 1, h.seq() + 1));
				return;
			}
			if (conn == null) {
				return;
			}
			if (h.dns() != null && !h.dns().response()) {
				DnsMessage reply = answerTo(h.dns());
				int length = 2 + DnsWire.length(reply);
				answer(new PacketHeader(key.invert(), TcpFlags.PSH | TcpFlags.ACK, conn[0], h.seq() + h.payloadLength(),
						length, reply));
				conn[0] += length;
				return;
			}
			if (h.payloadLength() > 0 && h.dns() == null) {
				int length = 1000;
				answer(new PacketHeader(key.invert(), TcpFlags.PSH | TcpFlags.ACK, conn[0], h.seq() + h.payloadLength(),
						length, null));
				conn[0] += length;
				return;
			}
			if (TcpFlags.has(flags, TcpFlags.FIN)) {
				answer(PacketHeader.tcp(key.invert(), TcpFlags.FIN | TcpFlags.ACK, conn[0], h.seq() + 1));
				conn[0]++;
				conn[2] = 1;
				return;
			}
			if (conn[2] == 1 && TcpFlags.has(flags, TcpFlags.ACK)) {
				this.connections.remove(key);
			}
		}

		private void answer(PacketHeader reply) {
			long id = this.run.node().newPacketId();
			this.run.sim().scheduleAfter(this.run.timing().serverNanos(), () -> {
				Tracer trace = this.run.trace();
				if (trace.on()) {
					trace.at(this.run.sim().now())
						.packet(id)
						.iface(this.name)
						.func("ip_output")
						.text(this.name + " answers with " + reply.label() + ".")
						.emit(new Change.PacketSent(this.name, null, PacketView.of(id, reply)));
				}
				if (this.run.config().bridgedDns() && this.dns) {
					this.run.node().fromPod(this.ip, id, reply, null, 0);
				}
				else {
					this.run.node().fromWire(id, reply);
				}
			});
		}

		/**
		 * kube-dns: cluster names it knows, NXDOMAIN for other cluster.local names, and
		 * the outside world.
		 */
		static DnsMessage answerTo(DnsMessage q) {
			String name = q.name().endsWith(".") ? q.name().substring(0, q.name().length() - 1) : q.name();
			boolean cluster = name.endsWith(".cluster.local");
			boolean known = KNOWN.containsKey(name);
			if (cluster && !known) {
				return q.answer(DnsMessage.NXDOMAIN, List.of());
			}
			if (q.type() != DnsMessage.QueryType.A) {
				return q.answer(DnsMessage.NOERROR, List.of());
			}
			return q.answer(DnsMessage.NOERROR, List.of(known ? KNOWN.get(name) : Ipv4.parse("10.0.0.99")));
		}

		private static final Map<String, Integer> KNOWN = Map.of("kubernetes.default.svc.cluster.local",
				Ipv4.parse("10.96.0.1"), "kube-dns.kube-system.svc.cluster.local", Ipv4.parse("10.96.0.10"),
				"api.default.svc.cluster.local", Ipv4.parse("10.96.0.42"));

	}

	static Host server(NodeRun run, Topology t, SeededRandom random) {
		return new Host(run, "server", t.serverIp(), false, random);
	}

	static Host endpoint(NodeRun run, int index, int ip, SeededRandom random) {
		return new Host(run, Topology.endpointName(index), ip, true, random);
	}

	static Tuple udp(int srcIp, int srcPort, int dstIp, int dstPort) {
		return new Tuple(L4Proto.UDP, srcIp, srcPort, dstIp, dstPort);
	}

}
