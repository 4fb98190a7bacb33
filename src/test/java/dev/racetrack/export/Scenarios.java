package dev.racetrack.export;

import java.util.List;

import dev.racetrack.kernel.KernelHarness;
import dev.racetrack.kernel.KernelHarness.Flight;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

/**
 * Small runs of the kernel model whose tool output the golden files hold. Each is driven
 * step by step through {@link KernelHarness}, which checks the table invariants after
 * every step.
 */
final class Scenarios {

	static final long MILLIS = 1_000_000L;

	private Scenarios() {
	}

	/**
	 * The XING race: two pods SNATed to the same port on two CPUs (the second confirm
	 * drops, CPU 1), then a third pod from the same port on CPU 0, which now finds the
	 * port taken ({@code found} on CPU 0) and searches.
	 */
	static KernelHarness tcpRaceThenThirdPod(KernelProfile profile) {
		KernelHarness h = KernelHarness.masquerade(profile, "default");
		Flight a = h.send(h.syn("10.40.0.17", 32000), 0);
		Flight b = h.send(h.syn("10.40.0.18", 32000), 1);
		a.through(2);
		b.through(2);
		a.finish();
		b.finish();
		h.send(h.syn("10.40.0.19", 32000), 0).finish();
		return h;
	}

	/**
	 * Race 1: A and AAAA of one socket on two CPUs, both NATed before either confirms.
	 */
	static KernelHarness dnsRace1(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, 0, 2, List.of("10.32.0.6"), 1);
		Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0);
		Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
		a.through(3);
		aaaa.through(3);
		a.finish();
		aaaa.finish();
		return h;
	}

	/**
	 * Race 3 with the article's tuples: A (CPU 0) is DNATed to 10.32.0.6 and confirms
	 * first, AAAA (CPU 1) to 10.32.0.7; the first seed that picks so is used.
	 */
	static KernelHarness dnsRace3(KernelProfile profile) {
		for (long seed = 1; seed < 256; seed++) {
			KernelHarness h = new KernelHarness(profile, 0, 2, List.of("10.32.0.6", "10.32.0.7"), seed);
			Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0);
			Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
			a.through(1);
			aaaa.through(1);
			if (a.skb().tuple().dstIp() != Ipv4.parse("10.32.0.6")
					|| aaaa.skb().tuple().dstIp() != Ipv4.parse("10.32.0.7")) {
				continue;
			}
			a.finish();
			aaaa.finish();
			return h;
		}
		throw new IllegalStateException("no seed below 256 sends A to 10.32.0.6 and AAAA to 10.32.0.7");
	}

	/**
	 * A masqueraded TCP connection through its handshake (ESTABLISHED, ASSURED), then a
	 * second pod's SYN that is never answered; ends 0.5 s after the last packet.
	 */
	static KernelHarness tcpEstablishedAndUnreplied(KernelProfile profile) {
		KernelHarness h = KernelHarness.masquerade(profile, "default");
		h.send(h.syn("10.40.0.17", 32000), 0).finish();
		h.advance(MILLIS);
		Tuple synAck = Tuple.of(L4Proto.TCP, KernelHarness.SERVER_IP, 80, KernelHarness.NODE_IP, 32000);
		h.send(h.tcp(synAck, TcpFlags.SYN | TcpFlags.ACK, 5000), 1).finish();
		h.advance(MILLIS);
		Tuple ack = Tuple.of(L4Proto.TCP, "10.40.0.17", 32000, KernelHarness.SERVER_IP, 80);
		h.send(h.tcp(ack, TcpFlags.ACK, 1001), 0).finish();
		h.advance(MILLIS);
		h.send(h.syn("10.40.0.18", 45000), 1).finish();
		h.advance(500 * MILLIS);
		return h;
	}

}
