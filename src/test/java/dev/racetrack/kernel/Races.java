package dev.racetrack.kernel;

import java.util.List;

import dev.racetrack.kernel.KernelHarness.Flight;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.Ipv4;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The four races of src/docs/netfilter-races.md §4, each interleaved by hand on two CPUs
 * through {@link KernelHarness} with the articles' tuples: pod 10.40.0.17 (and 10.40.0.18
 * for the SNAT race) on CPU 0 wins, CPU 1 loses. Shared by the version table, the retry
 * tests and the export golden files.
 */
public final class Races {

	private Races() {
	}

	/**
	 * The packets of one race after both have gone through.
	 *
	 * @param harness the kernel they went through
	 * @param winner the packet on CPU 0, which confirms first
	 * @param loser the packet on CPU 1
	 */
	public record Outcome(KernelHarness harness, Flight winner, Flight loser) {
	}

	/**
	 * Two pods, same source port, same server, SNAT chosen on both CPUs before either
	 * confirms.
	 */
	public static Outcome tcpSnatRace(KernelProfile profile) {
		KernelHarness h = KernelHarness.masquerade(profile, "default");
		Flight a = h.send(h.syn("10.40.0.17", 32000), 0);
		Flight b = h.send(h.syn("10.40.0.18", 32000), 1);
		a.through(2);
		b.through(2);
		a.finish();
		b.finish();
		return new Outcome(h, a, b);
	}

	/**
	 * Race 1: A and AAAA from one socket; both entries get their NAT before either
	 * confirms.
	 */
	public static Outcome dnsRace1(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, SnatMode.DEFAULT, 2, List.of("10.32.0.6"), 1);
		Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0);
		Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
		a.through(3);
		aaaa.through(3);
		a.finish();
		aaaa.finish();
		return new Outcome(h, a, aaaa);
	}

	/**
	 * Race 2: AAAA's entry is created before A's confirm, but its SNAT null binding runs
	 * after it, sees A's reply tuple taken and (before 5.0) moves to another port.
	 */
	public static Outcome dnsRace2(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, SnatMode.DEFAULT, 2, List.of("10.32.0.6"), 1);
		Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0);
		Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
		a.through(1);
		aaaa.through(1);
		a.finish();
		aaaa.finish();
		if (!profile.has(KernelBehaviour.SAME_ORIGIN_SKIP)) {
			assertThat(aaaa.snat().setup().chosen().srcPort()).as("race 2 changes the source port").isNotEqualTo(53378);
		}
		return new Outcome(h, a, aaaa);
	}

	/**
	 * Race 3: as race 1, but kube-proxy's statistic match sends A (CPU 0) to 10.32.0.6
	 * and AAAA (CPU 1) to 10.32.0.7, as in the article; the first harness seed that picks
	 * so is used.
	 */
	public static Outcome dnsRace3(KernelProfile profile) {
		for (long seed = 1; seed < 256; seed++) {
			KernelHarness h = new KernelHarness(profile, SnatMode.DEFAULT, 2, List.of("10.32.0.6", "10.32.0.7"), seed);
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
			return new Outcome(h, a, aaaa);
		}
		throw new IllegalStateException("no seed below 256 sends A to 10.32.0.6 and AAAA to 10.32.0.7");
	}

}
