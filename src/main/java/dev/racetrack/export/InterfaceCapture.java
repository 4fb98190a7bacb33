package dev.racetrack.export;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.sim.Change;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.Topology;
import dev.racetrack.sim.Views.PacketView;

/**
 * What {@code tcpdump -i <iface> -w} would have written during a run: the packets the
 * trace saw on one interface ({@code packet-hop} events: a pod's veth, {@code cni0},
 * {@code eth0}), both directions, in trace order, each with the header it had there (so
 * the SNAT rewrite shows between {@code cni0} and {@code eth0}, and a packet dropped at
 * confirm is on {@code cni0} and never on {@code eth0}).
 *
 * <p>
 * The timestamp of a packet is its simulated time as nanoseconds since the Unix epoch: a
 * run starts at 1970-01-01 00:00:00 UTC, and {@code frame.time_epoch} is the trace's
 * {@code t} in seconds. Frames are Ethernet II ({@link PcapWriter#LINKTYPE_ETHERNET});
 * each host's MAC is {@link PacketFrames#mac its address behind 02:00}, the node's side
 * being the {@code cni0} bridge toward pods and the node's {@code eth0} toward the
 * network. The TTL is 64 as sent, 63 once the node has forwarded the packet.
 */
public final class InterfaceCapture {

	/** One captured frame. */
	public record Frame(long seq, long timeNanos, String direction, PacketView packet, int ttl, byte[] bytes) {
	}

	private InterfaceCapture() {
	}

	/**
	 * The frames seen on {@code iface}, from the events given (a whole trace, or its
	 * first steps).
	 */
	public static List<Frame> frames(List<TraceEvent> events, Topology topology, String iface) {
		boolean wire = "eth0".equals(iface);
		byte[] nodeMac = PacketFrames.mac(wire ? topology.nodeIp() : topology.bridgeIp());
		Set<Long> entered = new HashSet<>();
		Set<Long> forwarded = new HashSet<>();
		List<Frame> frames = new ArrayList<>();
		for (TraceEvent e : events) {
			if (!(e.change() instanceof Change.PacketHop hop)) {
				continue;
			}
			String at = e.iface();
			boolean in = "in".equals(hop.direction());
			boolean nodeSide = "cni0".equals(at) || "eth0".equals(at);
			long id = hop.packet().id();
			if (nodeSide && in) {
				entered.add(id);
			}
			else if (nodeSide && entered.contains(id)) {
				forwarded.add(id);
			}
			if (!iface.equals(at)) {
				continue;
			}
			PacketView p = hop.packet();
			int ttl = forwarded.contains(id) ? PacketFrames.DEFAULT_TTL - 1 : PacketFrames.DEFAULT_TTL;
			boolean towardNode = nodeSide ? in : !in;
			byte[] peerMac = PacketFrames.mac(Ipv4.parse(towardNode ? p.tuple().src() : p.tuple().dst()));
			byte[] ip = PacketFrames.ipv4(p, ttl);
			byte[] frame = towardNode ? PacketFrames.ethernet(nodeMac, peerMac, ip)
					: PacketFrames.ethernet(peerMac, nodeMac, ip);
			frames.add(new Frame(e.seq(), e.t(), hop.direction(), p, ttl, frame));
		}
		return frames;
	}

	/** The capture file of {@code iface}. */
	public static byte[] pcap(List<TraceEvent> events, Topology topology, String iface) {
		PcapWriter writer = new PcapWriter(PcapWriter.LINKTYPE_ETHERNET);
		for (Frame frame : frames(events, topology, iface)) {
			writer.packet(frame.timeNanos(), frame.bytes());
		}
		return writer.toByteArray();
	}

}
