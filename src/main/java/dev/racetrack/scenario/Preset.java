package dev.racetrack.scenario;

import java.util.List;
import java.util.Optional;

import dev.racetrack.kernel.Identified;
import dev.racetrack.kernel.KernelProfile;

/**
 * A workload of a published test, filling the workload knobs of {@code tcp-free-play} (an
 * explicit parameter still wins). Each names the figure it is compared with; the model's
 * rate under it is a prediction, except the one figure the client timing was fitted on
 * (src/docs/PRODUCT.md §1, src/docs/netfilter-races.md §7).
 */
public enum Preset implements Identified {

	/** No preset: the scenario's own defaults. */
	NONE("none", "no preset"),

	/**
	 * maxlaverse/snat-race-conn-test [SNATTEST]: 2 client containers, each with one
	 * goroutine per CPU (16) dialing the server every 100 ms from an ephemeral port with
	 * a 500 ms dial timeout, for minutes (≈50,000 dials each). Published: ≈2.05 % errors
	 * on the default MASQUERADE, ≈0.10 % with {@code --random-fully}; {@code found} ≈1.1
	 * and {@code invalid} ≈0.6 per connect; {@code insert_failed == drop}.
	 */
	SNAT_RACE_CONN_TEST("snat-race-conn-test", "snat-race-conn-test: 2 pods × 16 goroutines, a dial every 100 ms"),

	/**
	 * XING 2018 [XING]: the article's Go program (maxlaverse/snat-race-conn-test at its
	 * 2018 commit 3c70fb8, whose README links the article; src/docs/netfilter-races.md
	 * §7): {@code --concurrency} goroutines per container (XING: 10 to 80), each with its
	 * own {@code time.NewTicker} of {@code --interval} (100 ms by default), started
	 * together, each tick a new connection (the response body is never closed, so no
	 * connection is reused) from an ephemeral port. Two containers on the node (the
	 * article's "multiple containers", the count the same author's 2021 README ran); no
	 * dial timeout short of the stalls they logged (the kernel's SYN retries only).
	 * Published: 2–4 % insertion failures, connects delayed by exactly 1 s or 3 s.
	 */
	XING("xing", "XING 2018: 2 containers × 32 goroutines, a new connection every 100 ms each"),

	/**
	 * The lab harness of src/docs/kernel-window.md §1: 2 pods released together by a
	 * barrier each round, both binding one source port.
	 */
	KERNEL_LAB("kernel-lab", "kernel lab: barrier rounds, every pod binding one port");

	private final String id;

	private final String title;

	Preset(String id, String title) {
		this.id = id;
		this.title = title;
	}

	@Override
	public String id() {
		return this.id;
	}

	public String title() {
		return this.title;
	}

	/**
	 * Fills a builder with this preset's values (the caller then applies what was asked).
	 */
	public RunParams.Builder applyTo(RunParams.Builder b) {
		switch (this) {
			case SNAT_RACE_CONN_TEST -> b.kernel(KernelProfile.V4_17)
				.workload(WorkloadKind.TICKER)
				.pods(2)
				.workers(16)
				.periodMs(100)
				.durationS(300)
				.warmupS(0)
				.connectTimeoutMs(500)
				.sourcePort(0)
				.cpus(16);
			case XING -> b.kernel(KernelProfile.V4_17)
				.workload(WorkloadKind.TICKER)
				.pods(2)
				.workers(32)
				.periodMs(100)
				.durationS(180)
				.warmupS(60)
				.connectTimeoutMs(0)
				.sourcePort(0)
				.cpus(4);
			case KERNEL_LAB ->
				b.workload(WorkloadKind.BARRIER).pods(2).workers(1).rounds(1000).sourcePort(32000).cpus(2);
			default -> {
			}
		}
		return b.preset(this);
	}

	public static List<String> ids() {
		return Identified.ids(Preset.class);
	}

	public static Optional<Preset> fromId(String id) {
		return Identified.fromId(Preset.class, id);
	}

}
