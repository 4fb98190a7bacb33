package dev.racetrack.sim;

import java.util.List;
import java.util.Locale;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.nat.SnatMode;

/**
 * The model's side of deploy/kernel-lab (not a test: a main, run by hand, see
 * deploy/kernel-lab/README.md): the lab's shapes on the model's 6.x node with 2 CPUs and
 * two kube-dns endpoints on the node's own bridge ({@code withBridgedDns}, as in the lab)
 * or routed (the API's {@code dns-free-play}).
 * <ul>
 * <li>warm: one pod, {@code lookups} lookups one after the other (1 ms apart), after
 * warm-up lookups until the node has resolved both endpoints; per resolver;</li>
 * <li>cold: {@link ColdNeighbourTests}'s shape, the lab's cold run: 8 pods' first glibc
 * lookups within 20 µs on each of {@code nodes} fresh nodes.</li>
 * </ul>
 * Prints, per row, lookups and the node's clash_resolve, insert_failed and drop. Nothing
 * here is fitted to the lab's figures.
 * <p>
 * Arguments: [nodes (20)] [lookups per node (1000)] [seed (20260101)].
 */
public final class KernelLabComparison {

	private KernelLabComparison() {
	}

	static NodeRun node(boolean bridged, long seed) {
		NodeConfig config = NodeConfig.of(KernelProfile.V6_X, SnatMode.DEFAULT, 2, 2, Mitigation.NONE)
			.withClientPathJitter(true)
			.withBridgedDns(bridged);
		return new NodeRun(config, TimingModel.calibrated(), seed, Tracer.off());
	}

	static LookupOptions options(ResolverKind kind, int cpu) {
		// the lab's name is absolute: one A/AAAA pair per lookup, no search list
		return new LookupOptions(kind, "lab.example.", 1, List.of(), cpu, (cpu + 1) % 2, null, 0);
	}

	static long[] counters(NodeRun run) {
		var stats = run.node().netfilter().stats();
		return new long[] { stats.total(Counter.CLASH_RESOLVE), stats.total(Counter.INSERT_FAILED),
				stats.total(Counter.DROP) };
	}

	static void print(String row, long lookups, long[] d) {
		System.out.printf(Locale.ROOT, "%-34s lookups=%-6d clash_resolve=%-6d (%.2f %%) insert_failed=%d drop=%d%n",
				row, lookups, d[0], 100.0 * d[0] / lookups, d[1], d[2]);
	}

	public static void main(String[] args) {
		int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 20;
		int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
		long seed = args.length > 2 ? Long.parseLong(args[2]) : 20260101L;
		System.out.printf("model: 6.x, 2 CPUs, 2 endpoints, seeds %d..%d, %d nodes x %d lookups%n", seed,
				seed + nodes - 1, nodes, lookups);
		for (boolean bridged : new boolean[] { true, false }) {
			for (ResolverKind kind : List.of(ResolverKind.TWO_THREADS, ResolverKind.MUSL, ResolverKind.GLIBC)) {
				long[] d = new long[3];
				for (int n = 0; n < nodes; n++) {
					NodeRun run = node(bridged, seed + n);
					long t = 1_000_000;
					for (int w = 0; w < 64 && (w < 2 || (bridged && !run.node().neighboursResolved())); w++) {
						run.lookup(run.pod(0), t, options(ResolverKind.GLIBC, 0), () -> {
						});
						t += 1_000_000;
						run.run(t);
					}
					long[] before = counters(run);
					for (int i = 0; i < lookups; i++) {
						run.lookup(run.pod(0), t, options(kind, 0), () -> {
						});
						t += 1_000_000;
						run.run(t);
					}
					run.run(t + 100_000_000L);
					long[] after = counters(run);
					for (int c = 0; c < 3; c++) {
						d[c] += after[c] - before[c];
					}
				}
				print("warm " + (bridged ? "bridged" : "routed ") + " " + kind.id(), (long) nodes * lookups, d);
			}
		}
		int coldNodes = 100;
		long[] d = new long[3];
		for (int n = 0; n < coldNodes; n++) {
			NodeRun run = node(true, seed + n);
			SeededRandom starts = run.random("starts");
			for (int p = 0; p < ColdNeighbourTests.PODS; p++) {
				run.lookup(run.pod(p), 1_000_000 + starts.uniform(0, 20_000), options(ResolverKind.GLIBC, p % 2),
						() -> {
						});
			}
			run.run(100_000_000L);
			long[] after = counters(run);
			for (int c = 0; c < 3; c++) {
				d[c] += after[c];
			}
		}
		print("cold bridged glibc, 8 pods together", (long) coldNodes * ColdNeighbourTests.PODS, d);
	}

}
