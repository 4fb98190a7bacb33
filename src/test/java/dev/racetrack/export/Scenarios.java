package dev.racetrack.export;

import dev.racetrack.kernel.KernelHarness;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.Races;
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
		KernelHarness h = Races.tcpSnatRace(profile).harness();
		h.send(h.syn("10.40.0.19", 32000), 0).finish();
		return h;
	}

	/**
	 * Race 1: A and AAAA of one socket on two CPUs, both NATed before either confirms.
	 */
	static KernelHarness dnsRace1(KernelProfile profile) {
		return Races.dnsRace1(profile).harness();
	}

	/**
	 * Race 3 with the article's tuples: A (CPU 0) is DNATed to 10.32.0.6 and confirms
	 * first, AAAA (CPU 1) to 10.32.0.7.
	 */
	static KernelHarness dnsRace3(KernelProfile profile) {
		return Races.dnsRace3(profile).harness();
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
