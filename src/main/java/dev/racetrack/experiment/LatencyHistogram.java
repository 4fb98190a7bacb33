package dev.racetrack.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The latencies of one configuration's attempts, in two logarithmic histograms.
 *
 * <p>
 * <b>Display buckets</b>: one below 10 µs; four per decade from 10 µs to 1 s (edges at 1,
 * 1.78, 3.16 and 5.62 times a power of ten); one per whole second from 1 s to 16 s, where
 * the clients' timers put their spikes; then four per decade again from 16 s to 316 s
 * (edges at 31.6, 56.2, 100, 178, 316 s); a latency past 316 s counts in the last bucket.
 * A stall is whole retransmission or retry timeouts plus the path, about 250 µs, so each
 * spike falls just inside the second that names it: 4.17's SYN back-off (1, 3, 7, 15 s)
 * and 6.5+'s linear one (1, 2, 3, 4, 5 s …) never share a bucket, nor do glibc's 5 s and
 * a 3 s stall. Each bucket keeps the seed of the first trial (in trial order) that
 * produced a latency in it, so that the run can be replayed in the Lab.
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

	/** Display buckets per decade, below 1 s and from 16 s. */
	static final int PER_DECADE = 4;

	/** The lower edge of the first logarithmic display bucket: 10 µs. */
	static final long FIRST_EDGE_NANOS = 10_000;

	/** The whole seconds with a bucket each: [1 s, 2 s) … [15 s, 16 s). */
	static final int WHOLE_SECONDS = 15;

	/** The end of the last display bucket: 316 s (a latency past it counts there too). */
	static final long LAST_EDGE_NANOS = 316_227_766_017L;

	/**
	 * Display bucket edges in ns: 0, 10 µs, 17.8 µs, … 562 ms, 1 s, 2 s, … 16 s, 31.6 s …
	 * 316 s.
	 */
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
		List<Long> edges = new ArrayList<>();
		edges.add(0L);
		for (int j = 0;; j++) {
			long edge = Math.round(FIRST_EDGE_NANOS * Math.pow(10, (double) j / PER_DECADE));
			if (edge >= 1_000_000_000L) {
				break;
			}
			edges.add(edge);
		}
		for (int s = 1; s <= WHOLE_SECONDS + 1; s++) {
			edges.add(s * 1_000_000_000L);
		}
		// Back to four per decade, the first bucket at least a quarter decade wide: [16
		// s, 31.6 s).
		double last = edges.get(edges.size() - 1) * Math.pow(10, 1.0 / PER_DECADE);
		for (int j = 0;; j++) {
			long edge = Math.round(FIRST_EDGE_NANOS * Math.pow(10, (double) j / PER_DECADE));
			if (edge > last) {
				edges.add(edge);
			}
			if (edge >= LAST_EDGE_NANOS) {
				break;
			}
		}
		return edges.stream().mapToLong(Long::longValue).toArray();
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
