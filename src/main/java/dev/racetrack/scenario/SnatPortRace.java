package dev.racetrack.scenario;

import java.util.List;
import java.util.Map;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.ResolverKind;

/**
 * The SNAT port race (XING, 2018): pods bound to the same source port connect to the same
 * server at the same moment, each SYN on its own CPU. Whether they get the same SNAT
 * port, and which confirm loses, is up to {@code get_unique_tuple} and
 * {@code __nf_conntrack_confirm}.
 */
final class SnatPortRace implements Scenario {

	static final long START_NANOS = 1_000_000;

	static final long STAGGER_NANOS = 100;

	@Override
	public String id() {
		return "snat-port-race";
	}

	@Override
	public String title() {
		return "SNAT port race";
	}

	@Override
	public String summary() {
		return "Two pods bound to port 32000 connect to 10.0.0.99:80 at the same moment on two CPUs; "
				+ "MASQUERADE gives both the same port and the later confirm drops a SYN: a 1 s connect delay.";
	}

	@Override
	public String watch() {
		return "Watch the two CPU lanes: both SYNs get the source port 32000 before either entry is confirmed, "
				+ "so the later confirm fails and that SYN never reaches eth0. The shared port has one colour "
				+ "everywhere.";
	}

	/**
	 * Six pods on one port: from the third on, port 32000 is taken and the SNAT step
	 * searches ({@code nf_nat_l4proto_unique_tuple}), one {@code nf_nat_used_tuple} at a
	 * time; on 4.x two CPUs that read the shared rover together walk side by side to the
	 * same free port ({@code WalkersBrowserTests} finds that moment on the drawing).
	 */
	@Override
	public List<Variant> variants() {
		return List.of(new Variant("Six pods: the port search",
				"From the third pod on, port 32000 is taken and the SNAT step tests ports one at a time; "
						+ "on 4.x two CPUs that read the rover together walk side by side to the same free port.",
				Map.of("pods", "6")));
	}

	@Override
	public RunParams defaults() {
		return RunParams.builder(id())
			.kernel(KernelProfile.V4_17)
			.mode(SnatMode.DEFAULT)
			.resolver(ResolverKind.GLIBC)
			.pods(2)
			.rounds(1)
			.sourcePort(32000)
			.cpus(2)
			.endpoints(1)
			.seed(1)
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
				long at = START_NANOS + round * 2_000_000_000L + i * STAGGER_NANOS;
				if (p.mitigation() == Mitigation.KEEP_ALIVE) {
					run.request(run.pod(i), at, p.sourcePort(), i % p.cpus(), () -> pending[0]--);
				}
				else {
					run.connect(run.pod(i), at, p.sourcePort(), i % p.cpus(), () -> pending[0]--);
				}
			}
		}
		return () -> pending[0] == 0;
	}

	@Override
	public long horizonNanos(RunParams params) {
		return 200_000_000_000L + params.rounds() * 2_000_000_000L;
	}

}
