package dev.racetrack.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.LookupOptions;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.NodeConfig;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.sim.SeededRandom;
import dev.racetrack.sim.TimingModel;
import dev.racetrack.sim.Tracer;

/**
 * The model's race window against the skew of two packets, measured as
 * src/docs/kernel-window.md §1 measured a real 6.18 kernel: two threads pinned to the
 * node's two CPUs, the second sending {@code skew} after the first (in user space, before
 * the client path), many pairs per skew bin, each pair on a fresh node.
 * <ul>
 * <li>{@link Race#SNAT}: two pods bind the same source port and connect to one server
 * ip:port (default MASQUERADE); a clash is a SYN dropped by
 * {@code __nf_conntrack_confirm} ({@code drop}).</li>
 * <li>{@link Race#DNS}: one pod's two threads send A and AAAA at once on one socket to
 * the kube-dns ClusterIP with two endpoints; a clash is any clash at the confirm
 * ({@code clash_resolve} on 6.x).</li>
 * </ul>
 * The timing model's kernel side (the hook costs and the client path's jitter) was fitted
 * once on these curves (see {@link TimingModel}); this class shows the fit.
 */
public final class WindowCurve {

	/** Which race. */
	public enum Race {

		SNAT, DNS

	}

	/**
	 * One skew bin of src/docs/kernel-window.md §1 with the model's estimate and the
	 * measured values.
	 *
	 * @param fromNanos the bin's lower edge
	 * @param toNanos its upper edge
	 * @param pairs pairs the model ran in the bin
	 * @param clashes pairs that clashed
	 * @param measuredLow the lowest measured P over the runs and builds of the table
	 * @param measuredHigh the highest
	 * @param measuredPairs the fewest pairs behind one measured value of the bin
	 */
	public record Bin(long fromNanos, long toNanos, int pairs, int clashes, double measuredLow, double measuredHigh,
			int measuredPairs) {

		public double p() {
			return (double) this.clashes / this.pairs;
		}

		/**
		 * The measured band widened by two standard errors of the measurements and of the
		 * model's estimate.
		 */
		public double bandLow() {
			return Math.max(0, this.measuredLow - slack(this.measuredLow));
		}

		public double bandHigh() {
			return Math.min(1, this.measuredHigh + slack(this.measuredHigh));
		}

		private double slack(double p) {
			double q = Math.max(p, 0.02);
			return 2 * Math.sqrt(q * (1 - q) / this.measuredPairs + p() * (1 - p()) / this.pairs);
		}

		public boolean withinBand() {
			return p() >= bandLow() && p() <= bandHigh();
		}

		public String label() {
			return String.format(Locale.ROOT, "%s–%s µs", micros(this.fromNanos), micros(this.toNanos));
		}

		private static String micros(long nanos) {
			return (nanos % 1000 == 0) ? String.valueOf(nanos / 1000) : String.valueOf(nanos / 1000.0);
		}

	}

	/** src/docs/kernel-window.md §1, SNAT: bin edges (ns), low, high, fewest pairs. */
	static final double[][] SNAT_MEASURED = { { 0, 500, 0.21, 0.37, 74 }, { 500, 1000, 0.18, 0.32, 88 },
			{ 1000, 1500, 0.13, 0.23, 70 }, { 1500, 2000, 0.13, 0.20, 86 }, { 2000, 3000, 0.08, 0.15, 143 },
			{ 3000, 4000, 0.13, 0.17, 129 }, { 4000, 5000, 0.08, 0.11, 110 }, { 5000, 6000, 0.05, 0.10, 81 },
			{ 6000, 8000, 0.01, 0.12, 101 }, { 8000, 10000, 0, 0.03, 30 }, { 10000, 20000, 0, 0, 22 } };

	/** src/docs/kernel-window.md §1, DNS: bin edges (ns), low, high, fewest lookups. */
	static final double[][] DNS_MEASURED = { { 0, 500, 0.83, 0.87, 321 }, { 500, 1000, 0.71, 0.80, 261 },
			{ 1000, 1500, 0.82, 0.94, 293 }, { 1500, 2000, 0.89, 0.92, 244 }, { 2000, 3000, 0.72, 0.81, 524 },
			{ 3000, 4000, 0.52, 0.67, 462 }, { 4000, 5000, 0.31, 0.46, 463 }, { 5000, 6000, 0.25, 0.43, 407 },
			{ 6000, 8000, 0.19, 0.26, 745 }, { 8000, 10000, 0.08, 0.09, 608 }, { 10000, 15000, 0.05, 0.09, 952 },
			{ 15000, 20000, 0.01, 0.07, 481 }, { 20000, 40000, 0.002, 0.02, 851 } };

	private WindowCurve() {
	}

	/** Runs {@code pairsPerBin} pairs in each bin of the race's table. */
	public static List<Bin> measure(Race race, TimingModel timing, int pairsPerBin, long seed) {
		double[][] table = (race == Race.SNAT) ? SNAT_MEASURED : DNS_MEASURED;
		SeededRandom skews = new SeededRandom(seed).split("skews");
		List<Bin> bins = new ArrayList<>(table.length);
		long trial = 0;
		for (double[] row : table) {
			long from = (long) row[0];
			long to = (long) row[1];
			int clashes = 0;
			for (int i = 0; i < pairsPerBin; i++) {
				long skew = skews.uniform(from, to);
				if (pair(race, timing, skew, seed * 1_000_003L + trial++)) {
					clashes++;
				}
			}
			bins.add(new Bin(from, to, pairsPerBin, clashes, row[2], row[3], (int) row[4]));
		}
		return bins;
	}

	/** One pair on a fresh 6.x node with two CPUs: whether it clashed. */
	static boolean pair(Race race, TimingModel timing, long skewNanos, long seed) {
		NodeConfig config = NodeConfig.of(KernelProfile.V6_X, SnatMode.DEFAULT, 2, 2, Mitigation.NONE)
			.withClientPathJitter(true);
		NodeRun run = new NodeRun(config, timing, seed, Tracer.off());
		long t0 = 1_000_000;
		boolean second = (seed & 1) == 0;
		if (race == Race.SNAT) {
			run.connect(run.pod(0), t0 + (second ? skewNanos : 0), 32000, 0, () -> {
			});
			run.connect(run.pod(1), t0 + (second ? 0 : skewNanos), 32000, 1, () -> {
			});
			run.run(t0 + 50_000_000L);
			return run.node().netfilter().stats().total(Counter.DROP) > 0;
		}
		LookupOptions options = new LookupOptions(ResolverKind.TWO_THREADS, "api.example.com.", 1, List.of(), 0, 1,
				skewNanos, 0);
		run.lookup(run.pod(0), t0, options, () -> {
		});
		run.run(t0 + 50_000_000L);
		var stats = run.node().netfilter().stats();
		return stats.total(Counter.CLASH_RESOLVE) + stats.total(Counter.INSERT_FAILED) > 0;
	}

	/** The curve as a table: bin, model P, measured band. */
	public static String format(Race race, List<Bin> bins) {
		StringBuilder sb = new StringBuilder(
				String.format(Locale.ROOT, "%s%n%-12s %8s %8s %14s%n", race, "skew", "model", "pairs", "measured"));
		for (Bin b : bins) {
			sb.append(String.format(Locale.ROOT, "%-12s %8.3f %8d %6.2f–%.2f%s%n", b.label(), b.p(), b.pairs(),
					b.measuredLow(), b.measuredHigh(), b.withinBand() ? "" : "  outside"));
		}
		return sb.toString();
	}

}
