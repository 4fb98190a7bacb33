package dev.racetrack.web.lab;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.Tuple;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.NodeConfig;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Pod;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.TimingModel;
import dev.racetrack.sim.Topology;
import dev.racetrack.sim.Tracer;

/**
 * Engine runs that reach the steps no run parameters reach within a traced run: the same
 * node, clients and kernel model as every run, driven by a scripted workload (which pod
 * connects when, from which port) or a smaller {@code nf_conntrack_max}. Nothing here
 * says what happens: the outcomes come out of the model, as in every run.
 */
final class EngineRuns {

	private static final long MS = 1_000_000L;

	private EngineRuns() {
	}

	/**
	 * 6.x, pods bound to ports below 1024 (the port class 600–1023 of
	 * {@code nf_nat_l4proto_unique_tuple}): pod-a uses every port of the class, its
	 * connections close into TIME_WAIT, then pod-b's connections find every port taken
	 * and {@code nf_nat_used_tuple_harder} evicts TIME_WAIT entries.
	 */
	static NodeRun timeWaitEviction() {
		NodeRun run = node(KernelProfile.V6_X,
				NodeConfig.of(KernelProfile.V6_X, SnatMode.DEFAULT, 2, 1, Mitigation.NONE));
		Pod a = run.pod(0);
		Pod b = run.pod(1);
		long at = 0;
		for (int port = 600; port <= 1023; port++, at += 40_000) {
			run.connect(a, at, port, null, () -> {
			});
		}
		for (int i = 0; i < 6; i++) {
			run.connect(b, at + 50 * MS + i * 2 * MS, 600 + i, null, () -> {
			});
		}
		run.run(at + 200 * MS);
		return run;
	}

	/**
	 * {@code nf_conntrack_max} of 6 and twelve pods connecting at once:
	 * {@code early_drop} evicts unreplied entries, and when none is left to evict the
	 * table is full and packets are dropped; replies to evicted entries find none.
	 */
	static NodeRun smallTable() {
		NodeConfig config = new NodeConfig(KernelProfile.V4_17, SnatMode.DEFAULT, 2, 1, Mitigation.NONE, 6, false,
				false);
		NodeRun run = node(KernelProfile.V4_17, config);
		for (int i = 0; i < 12; i++) {
			run.connect(run.pod(i), i * 3_000L, 0, null, () -> {
			});
		}
		run.run(1500 * MS);
		return run;
	}

	/**
	 * 6.x, pods connecting one after another from source ports chosen so that their
	 * original tuples all fall in one bucket of the conntrack hash: once the chain holds
	 * {@code MAX_CHAINLEN} entries (their TIME_WAIT entries stay), {@code
	 * __nf_conntrack_confirm} refuses the next ({@code chaintoolong}).
	 */
	static NodeRun chainTooLong() {
		NodeRun run = node(KernelProfile.V6_X,
				NodeConfig.of(KernelProfile.V6_X, SnatMode.DEFAULT, 2, 1, Mitigation.NONE));
		Topology t = run.topology();
		List<Pod> pods = new ArrayList<>();
		for (int i = 0; i < 32; i++) {
			pods.add(run.pod(i));
		}
		long at = 0;
		for (int[] pair : sameBucket(pods, t.serverIp(), t.serverPort(), 70)) {
			run.connect(pods.get(pair[0]), at, pair[1], null, () -> {
			});
			at += 3 * MS;
		}
		run.run(at + 1500 * MS);
		return run;
	}

	/**
	 * (pod, source port) pairs whose tuples to the server share a bucket of the table
	 * (the model's {@code ConntrackTable} hash: the tuple's hash folded onto 16,384
	 * buckets).
	 */
	static List<int[]> sameBucket(List<Pod> pods, int serverIp, int serverPort, int count) {
		List<int[]> out = new ArrayList<>();
		int want = -1;
		for (int port = 1024; port <= 65535 && out.size() < count; port++) {
			for (int p = 0; p < pods.size() && out.size() < count; p++) {
				int h = new Tuple(L4Proto.TCP, pods.get(p).ip(), port, serverIp, serverPort).hashCode();
				int bucket = (h ^ (h >>> 16)) & (16_384 - 1);
				if (want < 0) {
					want = bucket;
				}
				if (bucket == want) {
					out.add(new int[] { p, port });
				}
			}
		}
		if (out.size() < count) {
			throw new IllegalStateException("only " + out.size() + " tuples share a bucket");
		}
		return out;
	}

	private static NodeRun node(KernelProfile kernel, NodeConfig config) {
		return new NodeRun(config, TimingModel.calibrated(), 1, Tracer.recording(200_000));
	}

}
