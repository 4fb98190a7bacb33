package dev.racetrack.scenario;

import java.util.List;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.LookupOptions;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.ResolverKind;

/**
 * The three UDP/DNAT races of the Weave article (Pumputis, 2018): one pod's resolver
 * sends A and AAAA from one socket, and the two packets are taken by two CPUs. The
 * replays differ only in what the model is given: the gap between the two sends, and the
 * number of DNS endpoints (race 3's default seed is one where kube-proxy's
 * {@code statistic} match sends the two queries to different endpoints).
 */
final class DnatRace implements Scenario {

	static final long START_NANOS = 1_000_000;

	/** The name looked up: absolute, so that one A/AAAA pair is sent. */
	static final String NAME = "api.default.svc.cluster.local.";

	private final int race;

	private final long gapNanos;

	private final int endpoints;

	private final long seed;

	DnatRace(int race, long gapNanos, int endpoints, long seed) {
		this.race = race;
		this.gapNanos = gapNanos;
		this.endpoints = endpoints;
		this.seed = seed;
	}

	@Override
	public String id() {
		return "dnat-race-" + this.race;
	}

	@Override
	public String title() {
		return switch (this.race) {
			case 1 -> "DNS race 1: identical tuples";
			case 2 -> "DNS race 2: the reply port changes";
			default -> "DNS race 3: different endpoints";
		};
	}

	@Override
	public String summary() {
		return switch (this.race) {
			case 1 -> "A and AAAA from one socket both get their NAT before either is confirmed: two identical "
					+ "entries, and the later confirm clashes (a drop on 4.17, merged from 4.19).";
			case 2 -> "AAAA's entry is created before A's confirm but its SNAT runs after it, sees the port taken and "
					+ "moves to another: a drop until 5.0 keeps the port.";
			default -> "kube-proxy sends A and AAAA to two different DNS endpoints: the entries can never match; "
					+ "a drop until 5.6 adds reply-only clash entries.";
		};
	}

	@Override
	public String watch() {
		return switch (this.race) {
			case 1 -> "Watch the two CPU lanes: A? and AAAA? become two identical entries, each unconfirmed, "
					+ "and only one of them can be confirmed.";
			case 2 -> "Watch AAAA's SNAT step: it runs after A's entry is confirmed and moves AAAA to another "
					+ "source port, so the two entries no longer match and cannot be merged.";
			default -> "Watch the DNAT step: kube-proxy sends A? and AAAA? to two different DNS endpoints, so the "
					+ "two entries can never be merged and the later one loses.";
		};
	}

	@Override
	public RunParams defaults() {
		return RunParams.builder(id())
			.kernel(KernelProfile.V4_17)
			.mode(SnatMode.DEFAULT)
			.resolver(ResolverKind.GLIBC)
			.pods(1)
			.rounds(1)
			.sourcePort(0)
			.cpus(2)
			.endpoints(this.endpoints)
			.seed(this.seed)
			.mitigation(Mitigation.NONE)
			.ndots(5)
			.build();
	}

	@Override
	public boolean replay() {
		return true;
	}

	@Override
	public Workload start(NodeRun run, RunParams p) {
		int[] pending = { p.pods() * p.rounds() };
		for (int round = 0; round < p.rounds(); round++) {
			for (int i = 0; i < p.pods(); i++) {
				long at = START_NANOS + round * 12_000_000_000L + i * 50_000;
				LookupOptions options = new LookupOptions(p.resolver(), NAME, p.ndots(), FreePlay.KUBELET_SEARCH,
						0 % p.cpus(), 1 % p.cpus(), this.gapNanos, p.mitigation().secondDnsPacketDelayNanos());
				run.lookup(run.pod(i), at, options, () -> pending[0]--);
			}
		}
		return () -> pending[0] == 0;
	}

	@Override
	public long horizonNanos(RunParams params) {
		return 60_000_000_000L + params.rounds() * 12_000_000_000L;
	}

	@Override
	public long tailNanos() {
		return 1_200_000_000L;
	}

	static List<DnatRace> all() {
		return List.of(new DnatRace(1, 200, 1, 1), new DnatRace(2, 2_500, 1, 1), new DnatRace(3, 200, 2, 2));
	}

}
