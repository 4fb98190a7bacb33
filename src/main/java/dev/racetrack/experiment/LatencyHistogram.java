package dev.racetrack.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The latencies of one configuration's attempts, in two logarithmic histograms.
 *
 * <p>
 * <b>Display buckets</b>: four per decade from 10 µs to 316 s (edges at 1, 1.78, 3.16 and
 * 5.62 times a power of ten), plus one bucket below 10 µs; a latency past 316 s counts in
 * the last bucket. Connect latencies are whole retransmission timeouts plus about 250 µs,
 * so the spikes fall well inside their buckets: 1 s in [1 s, 1.78 s), 2 s, 2.5 s and 3 s
 * in [1.78 s, 3.16 s), 5 s in [3.16 s, 5.62 s). Each bucket keeps the seed of the first
 * trial (in trial order) that produced a latency in it, so that the run can be replayed
 * in the Lab.
 *
 * <p>
 * <b>Quantiles</b> (p50, p99, p999) are nearest-rank quantiles read from a finer
 * histogram, 100 buckets per decade from 1 ns: the quantile is reported as the mean
 * latency of the fine bucket that holds it, so it is within 2.3 % of the exact value (and
 * exact when the bucket holds one value only, as a spike does). Memory stays fixed
 * whatever the number of attempts.
 *
 * <p>
 * Not thread-safe: one aggregator folds trials into it, in trial order.
 */
public final class LatencyHistogram {

	/** Display buckets per decade. */
	static final int PER_DECADE = 4;

	/** The lower edge of the first logarithmic display bucket: 10 µs. */
	static final long FIRST_EDGE_NANOS = 10_000;

	/** Decades covered by the display buckets: 10 µs to 316 s. */
	static final double DECADES = 7.5;

	/** Display bucket edges in ns: 0, 10 µs, 17.8 µs, … 316 s. */
	private static final long[] EDGES = displayEdges();

	/** Fine buckets per decade for the quantiles. */
	static final int FINE_PER_DECADE = 100;

	/** Fine bucket edges in ns: 0, 1, 1.02, … up to 10^13 ns. */
	private static final long[] FINE_EDGES = fineEdges();

	private final long[] counts = new long[EDGES.length - 1];

	private final long[] seeds = new long[EDGES.length - 1];

	private final long[] fineCounts = new long[FINE_EDGES.length - 1];

	private final double[] fineSums = new double[FINE_EDGES.length - 1];

	private long total;

	public LatencyHistogram() {
		Arrays.fill(this.seeds, -1);
	}

	private static long[] displayEdges() {
		int buckets = (int) Math.round(DECADES * PER_DECADE);
		long[] edges = new long[buckets + 2];
		edges[0] = 0;
		for (int j = 0; j <= buckets; j++) {
			edges[j + 1] = Math.round(FIRST_EDGE_NANOS * Math.pow(10, (double) j / PER_DECADE));
		}
		return edges;
	}

	private static long[] fineEdges() {
		int buckets = 13 * FINE_PER_DECADE;
		long[] edges = new long[buckets + 2];
		edges[0] = 0;
		long previous = 0;
		int n = 1;
		for (int i = 0; i <= buckets; i++) {
			long edge = Math.max(previous + 1, Math.round(Math.pow(10, (double) i / FINE_PER_DECADE)));
			edges[n++] = edge;
			previous = edge;
		}
		return Arrays.copyOf(edges, n);
	}

	/** Adds one latency seen in the trial of {@code seed}. */
	void add(long latencyNanos, long seed) {
		if (latencyNanos < 0) {
			throw new IllegalArgumentException("a latency is never negative: " + latencyNanos);
		}
		int b = bucketOf(EDGES, latencyNanos);
		this.counts[b]++;
		if (this.seeds[b] < 0) {
			this.seeds[b] = seed;
		}
		int f = bucketOf(FINE_EDGES, latencyNanos);
		this.fineCounts[f]++;
		this.fineSums[f] += latencyNanos;
		this.total++;
	}

	/** The bucket {@code [edges[i], edges[i+1])} of a value; the last one is open. */
	static int bucketOf(long[] edges, long value) {
		int low = 0;
		int high = edges.length - 2;
		while (low < high) {
			int mid = (low + high + 1) >>> 1;
			if (edges[mid] <= value) {
				low = mid;
			}
			else {
				high = mid - 1;
			}
		}
		return low;
	}

	/** How many latencies were added. */
	public long total() {
		return this.total;
	}

	/**
	 * The nearest-rank quantile {@code q} (0 &lt; q ≤ 1) as the mean of its fine bucket,
	 * or -1 without latencies.
	 */
	public long quantileNanos(double q) {
		if (q <= 0 || q > 1) {
			throw new IllegalArgumentException("quantile must be in (0, 1]: " + q);
		}
		if (this.total == 0) {
			return -1;
		}
		long rank = (long) Math.ceil(q * this.total);
		long seen = 0;
		for (int f = 0; f < this.fineCounts.length; f++) {
			seen += this.fineCounts[f];
			if (seen >= rank) {
				return Math.round(this.fineSums[f] / this.fineCounts[f]);
			}
		}
		throw new IllegalStateException("rank " + rank + " past " + this.total + " latencies");
	}

	/** The display buckets, all of them, in order. */
	public List<Bucket> buckets() {
		List<Bucket> list = new ArrayList<>(this.counts.length);
		for (int b = 0; b < this.counts.length; b++) {
			list.add(new Bucket(EDGES[b], EDGES[b + 1], this.counts[b], this.seeds[b]));
		}
		return Collections.unmodifiableList(list);
	}

	/**
	 * One display bucket.
	 *
	 * @param lowNanos the lower edge (inclusive)
	 * @param highNanos the upper edge (exclusive; the last bucket also holds what lies
	 * beyond)
	 * @param count latencies in the bucket
	 * @param seed the seed of the first trial with a latency here, or -1
	 */
	public record Bucket(long lowNanos, long highNanos, long count, long seed) {
	}

}
