package dev.racetrack.experiment;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link LatencyHistogram}.
 */
class LatencyHistogramTests {

	static final long MS = 1_000_000L;

	static final long S = 1_000_000_000L;

	@Test
	void bucketsAreFourPerDecadeBelowOneSecondAndFrom16SecondsAndOnePerSecondBetween() {
		List<LatencyHistogram.Bucket> buckets = new LatencyHistogram().buckets();
		assertThat(buckets.get(0).lowNanos()).isZero();
		assertThat(buckets.get(1).lowNanos()).isEqualTo(10_000);
		assertThat(buckets.get(1).highNanos()).isEqualTo(17_783);
		assertThat(buckets.get(buckets.size() - 1).highNanos()).isEqualTo(316_227_766_017L);
		assertThat(buckets).filteredOn((b) -> b.lowNanos() < S).hasSize(1 + 4 * 5);
		assertThat(buckets).filteredOn((b) -> b.lowNanos() < S)
			.last()
			.satisfies((b) -> assertThat(b.lowNanos()).isEqualTo(562_341_325L));
		for (long s = 1; s <= 15; s++) {
			long low = s * S;
			assertThat(buckets).as("[%d s, %d s)", s, s + 1)
				.anySatisfy((b) -> assertThat(b).isEqualTo(new LatencyHistogram.Bucket(low, low + S, 0, -1)));
		}
		assertThat(buckets).filteredOn((b) -> b.lowNanos() >= 16 * S)
			.extracting(LatencyHistogram.Bucket::lowNanos)
			.containsExactly(16 * S, 31_622_776_602L, 56_234_132_519L, 100 * S, 177_827_941_004L);
		for (int i = 1; i < buckets.size(); i++) {
			assertThat(buckets.get(i).lowNanos()).isEqualTo(buckets.get(i - 1).highNanos());
		}
	}

	@Test
	void theOneTwoAndThreeSecondStallsNeverShareABucket() {
		LatencyHistogram h = new LatencyHistogram();
		h.add(S + 250_000, 1);
		h.add(2 * S + 250_000, 2);
		h.add(3 * S + 250_000, 3);
		h.add(7 * S + 250_000, 4);
		assertThat(h.buckets()).filteredOn((b) -> b.count() > 0)
			.extracting(LatencyHistogram.Bucket::lowNanos)
			.containsExactly(S, 2 * S, 3 * S, 7 * S);
	}

	@Test
	void theRetransmissionSpikesFallInsideTheirBuckets() {
		LatencyHistogram h = new LatencyHistogram();
		h.add(235_000, 11);
		h.add(S + 235_000, 12);
		h.add(3 * S + 235_000, 13);
		h.add(5 * S + 1_300_000, 14);
		h.add(3 * S + 236_000, 15);
		assertThat(bucketOf(h, S + 235_000)).satisfies((b) -> {
			assertThat(b.lowNanos()).isEqualTo(S);
			assertThat(b.count()).isEqualTo(1);
			assertThat(b.seed()).isEqualTo(12);
		});
		assertThat(bucketOf(h, 3 * S)).satisfies((b) -> {
			assertThat(b.count()).as("3 s").isEqualTo(2);
			assertThat(b.seed()).as("the first trial's seed").isEqualTo(13);
		});
		assertThat(bucketOf(h, 5 * S).count()).isEqualTo(1);
		assertThat(h.total()).isEqualTo(5);
	}

	@Test
	void quantilesAreNearestRankWithinTheFineBucket() {
		LatencyHistogram h = new LatencyHistogram();
		for (int i = 1; i <= 1000; i++) {
			h.add(i * MS, i);
		}
		assertThat((double) h.quantileNanos(0.5)).isCloseTo(500 * MS, within(0.023 * 500 * MS));
		assertThat((double) h.quantileNanos(0.99)).isCloseTo(990 * MS, within(0.023 * 990 * MS));
		assertThat(h.quantileNanos(1.0)).isLessThanOrEqualTo(1000 * MS).isGreaterThan(977 * MS);
	}

	@Test
	void aSpikeHasItsExactValueAsQuantile() {
		LatencyHistogram h = new LatencyHistogram();
		for (int i = 0; i < 97; i++) {
			h.add(235_123, 1);
		}
		for (int i = 0; i < 3; i++) {
			h.add(S + 235_123, 2);
		}
		assertThat(h.quantileNanos(0.5)).isEqualTo(235_123);
		assertThat(h.quantileNanos(0.99)).isEqualTo(S + 235_123);
		assertThat(new LatencyHistogram().quantileNanos(0.5)).isEqualTo(-1);
	}

	private static LatencyHistogram.Bucket bucketOf(LatencyHistogram h, long nanos) {
		return h.buckets()
			.stream()
			.filter((b) -> b.lowNanos() <= nanos && nanos < b.highNanos())
			.findFirst()
			.orElseThrow();
	}

}
