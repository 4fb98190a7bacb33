package dev.racetrack.sim;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.nat.SnatMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cold-neighbour case of src/docs/kernel-window.md §2: one thread's A and AAAA
 * (glibc, one {@code sendmmsg}, both on the sending CPU) never clash on a warm node, but
 * with the kube-dns endpoints on the node's own bridge a pod's first lookups on a fresh
 * node can: the DNATed A waits in the ARP queue ({@code neigh_resolve_output}, called
 * from {@code br_nf_pre_routing_finish_bridge}) after DNAT and before the confirm, and
 * the AAAA passes {@code nf_conntrack_in} meanwhile. Measured on 6.18: about 2–6 % of the
 * first lookups of pods starting together on a fresh node, never after a warm-up lookup,
 * never a drop; backends on other nodes are not affected (they confirm before the
 * neighbour lookup).
 */
class ColdNeighbourTests {

	static final int PODS = 8;

	static final int NODES = 100;

	static LookupOptions glibc(int cpu) {
		return new LookupOptions(ResolverKind.GLIBC, "api.example.com.", 1, List.of(), cpu, cpu, null, 0);
	}

	static NodeRun node(boolean bridged, long seed) {
		NodeConfig config = NodeConfig.of(KernelProfile.V6_X, SnatMode.DEFAULT, 2, 2, Mitigation.NONE)
			.withClientPathJitter(true)
			.withBridgedDns(bridged);
		return new NodeRun(config, TimingModel.calibrated(), seed, Tracer.off());
	}

	static long clashes(NodeRun run) {
		var stats = run.node().netfilter().stats();
		return stats.total(Counter.CLASH_RESOLVE) + stats.total(Counter.INSERT_FAILED);
	}

	/** Every pod looks up once, all starting within 20 µs; returns the clashes. */
	static long podsStartingTogether(NodeRun run, long at) {
		SeededRandom starts = run.random("starts");
		long before = clashes(run);
		for (int p = 0; p < PODS; p++) {
			run.lookup(run.pod(p), at + starts.uniform(0, 20_000), glibc(p % 2), () -> {
			});
		}
		run.run(at + 50_000_000L);
		return clashes(run) - before;
	}

	@Test
	@DisplayName("bridged backends, fresh node: some of the first lookups of pods starting together clash (6.18: 2–6 %), none is dropped")
	void firstLookupsOnAFreshNodeCanClash() {
		long clashed = 0;
		long drops = 0;
		for (int n = 0; n < NODES; n++) {
			NodeRun run = node(true, 1_000 + n);
			clashed += podsStartingTogether(run, 1_000_000);
			drops += run.node().netfilter().stats().total(Counter.DROP);
		}
		System.out.printf("cold neighbours: %d clashes in %d first lookups (%.1f %%), %d drops%n", clashed,
				NODES * PODS, 100.0 * clashed / (NODES * PODS), drops);
		assertThat(clashed).as("clashes among the first lookups").isPositive();
		assertThat(clashed).as("some, not most").isLessThan(NODES * PODS / 4);
		assertThat(drops).as("6.x resolves UDP clashes: no drop").isZero();
	}

	@Test
	@DisplayName("bridged backends, warm node (after one warm-up lookup per pod): one thread's A+AAAA never clashes")
	void warmNodeNeverClashes() {
		long clashed = 0;
		for (int n = 0; n < NODES; n++) {
			NodeRun run = node(true, 2_000 + n);
			podsStartingTogether(run, 1_000_000);
			podsStartingTogether(run, 100_000_000);
			assertThat(run.node().neighboursResolved()).as("both endpoints resolved by the warm-up").isTrue();
			clashed += podsStartingTogether(run, 200_000_000);
			clashed += podsStartingTogether(run, 60_200_000_000L);
		}
		assertThat(clashed).as("after the warm-up, also a minute later (gc_stale_time; fewer than gc_thresh1 entries)")
			.isZero();
	}

	@Test
	@DisplayName("backends on other nodes (routed through eth0), fresh node: the first lookups never clash")
	void routedBackendsNeverClash() {
		long clashed = 0;
		for (int n = 0; n < NODES; n++) {
			clashed += podsStartingTogether(node(false, 1_000 + n), 1_000_000);
		}
		assertThat(clashed).isZero();
	}

	@Test
	@DisplayName("ip neigh flush on a warm node: the next lookups meet cold entries again")
	void aFlushMakesTheNeighboursColdAgain() {
		NodeRun run = node(true, 3);
		podsStartingTogether(run, 1_000_000);
		podsStartingTogether(run, 100_000_000);
		assertThat(run.node().neighboursResolved()).isTrue();
		run.node().flushNeighbours();
		assertThat(run.node().neighboursResolved()).isFalse();
	}

}
