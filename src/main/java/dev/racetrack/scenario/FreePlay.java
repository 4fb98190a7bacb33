package dev.racetrack.scenario;

import java.util.List;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.LookupOptions;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.ResolverKind;

/**
 * Free play: {@code pods} pods, each starting one connection ({@code tcp-free-play}) or
 * one lookup ({@code dns-free-play}) in each of {@code rounds} rounds, under the seeded
 * arrival model of {@link Rounds}.
 */
final class FreePlay implements Scenario {

	/** kubelet's search list for a pod in namespace {@code default}. */
	static final List<String> KUBELET_SEARCH = List.of("default.svc.cluster.local", "svc.cluster.local",
			"cluster.local");

	/** The name free-play lookups resolve: an outside name, as most lookups are. */
	static final String NAME = "api.example.com";

	private final boolean dns;

	FreePlay(boolean dns) {
		this.dns = dns;
	}

	@Override
	public String id() {
		return this.dns ? "dns-free-play" : "tcp-free-play";
	}

	@Override
	public String title() {
		return this.dns ? "Free play: DNS" : "Free play: TCP";
	}

	@Override
	public String summary() {
		return this.dns
				? "Pods resolve " + NAME + " in rounds, with kubelet's ndots:5 and search list: "
						+ "every name tried is another A/AAAA pair that can race."
				: "Pods connect to 10.0.0.99:80 under a workload: rounds (the Lab's short runs), barrier (a lab "
						+ "harness's rounds), ticker (snat-race-conn-test's dial every periodMs) or closed (XING's "
						+ "threads dialing again and again); the presets reproduce those tests, from ephemeral ports.";
	}

	@Override
	public String watch() {
		return this.dns
				? "Watch conntrack -S: every insert_failed is a query dropped in a race, and the timeline marks "
						+ "each 5 s resolver timeout it costs."
				: "Watch conntrack -S: every insert_failed is a SYN dropped in the port race, and the timeline "
						+ "marks each 1 s retransmission it costs.";
	}

	@Override
	public RunParams defaults() {
		return RunParams.builder(id())
			.kernel(KernelProfile.V4_17)
			.mode(SnatMode.DEFAULT)
			.resolver(ResolverKind.GLIBC)
			.pods(this.dns ? 16 : 32)
			.rounds(this.dns ? 5 : 10)
			.sourcePort(0)
			.cpus(2)
			.endpoints(2)
			.seed(1)
			.mitigation(Mitigation.NONE)
			.ndots(5)
			.build();
	}

	@Override
	public boolean replay() {
		return false;
	}

	@Override
	public Workload start(NodeRun run, RunParams p) {
		LoadGenerator.FlowStarter starter;
		if (this.dns) {
			starter = (pod, cpu, done) -> {
				LookupOptions options = new LookupOptions(p.resolver(), NAME, p.ndots(), KUBELET_SEARCH, cpu,
						(cpu + 1) % p.cpus(), null, p.mitigation().secondDnsPacketDelayNanos());
				run.lookup(run.pod(pod), run.sim().now(), options, done);
			};
		}
		else {
			boolean keepAlive = p.mitigation() == Mitigation.KEEP_ALIVE;
			long timeout = p.connectTimeoutMs() * 1_000_000L;
			starter = (pod, cpu, done) -> {
				if (keepAlive) {
					run.request(run.pod(pod), run.sim().now(), p.sourcePort(), cpu, done);
				}
				else {
					run.connect(run.pod(pod), run.sim().now(), p.sourcePort(), cpu, timeout, done);
				}
			};
		}
		if (p.workload() == WorkloadKind.ROUNDS) {
			long gap = this.dns ? run.timing().lookupGapMeanNanos() : run.timing().connectGapMeanNanos();
			Rounds rounds = new Rounds(run, p.pods(), p.rounds(), gap,
					(pod, done) -> starter.start(pod, pod % p.cpus(), done));
			rounds.start(START_NANOS);
			return rounds;
		}
		LoadGenerator load = new LoadGenerator(run, p, starter, START_NANOS);
		load.start();
		return load;
	}

	/** When the first flow may start: 1 ms into the run. */
	static final long START_NANOS = 1_000_000;

	@Override
	public long horizonNanos(RunParams params) {
		return 3_600_000_000_000L + (params.workload().sustained() ? params.durationS() * 1_000_000_000L : 0);
	}

}
