package dev.racetrack.experiment;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link RateEstimate}.
 */
class RateEstimateTests {

	@Test
	void wilsonIntervalMatchesThePublishedValues() {
		// Newcombe (1998), table I: 81 of 263 gives 0.2553 to 0.3662.
		double[] interval = RateEstimate.wilson(81.0 / 263, 263);
		assertThat(interval[0]).isCloseTo(0.2553, within(5e-4));
		assertThat(interval[1]).isCloseTo(0.3662, within(5e-4));
	}

	@Test
	void noEventAtAllStillHasAnUpperBound() {
		RateEstimate r = RateEstimate.of(0, 1000, 10, 0, 0, 10 * 100 * 100);
		assertThat(r.rate()).isZero();
		assertThat(r.low()).isZero();
		assertThat(r.high()).isCloseTo(3.84 / 1003.84, within(1e-4));
	}

	@Test
	void independentTrialsKeepWilsonsInterval() {
		// Ten trials of 100 attempts with 3 events each: no spread beyond the binomial.
		RateEstimate r = RateEstimate.of(30, 1000, 10, 10 * 9, 10 * 300, 10 * 10_000);
		assertThat(r.designEffect()).isEqualTo(1.0);
		double[] wilson = RateEstimate.wilson(0.03, 1000);
		assertThat(r.low()).isEqualTo(wilson[0]);
		assertThat(r.high()).isEqualTo(wilson[1]);
	}

	@Test
	void trialsThatDisagreeWidenTheInterval() {
		// Ten trials of 100 attempts: nine without an event, one with 30.
		RateEstimate r = RateEstimate.of(30, 1000, 10, 900, 3000, 10 * 10_000);
		assertThat(r.rate()).isEqualTo(0.03);
		assertThat(r.designEffect()).isGreaterThan(5);
		double[] wilson = RateEstimate.wilson(0.03, 1000);
		assertThat(r.high() - r.low()).isGreaterThan(2 * (wilson[1] - wilson[0]));
		assertThat(r.low()).isLessThanOrEqualTo(0.03);
		assertThat(r.high()).isGreaterThanOrEqualTo(0.03);
	}

	@Test
	void aCounterAboveOnePerAttemptGetsAnIntervalThatHoldsIt() {
		// found: 107,118 in 95,996 connects (4.17 random-fully, snat-race-conn-test), one
		// trial: the Poisson score interval, ≈ p ± 1.96·√(p/n).
		RateEstimate r = RateEstimate.of(107_118, 95_996, 1, 107_118L * 107_118, 107_118L * 95_996, 95_996L * 95_996);
		assertThat(r.rate()).isCloseTo(1.1159, within(1e-4));
		assertThat(r.low()).isLessThan(r.rate()).isCloseTo(1.1159 - 1.96 * Math.sqrt(1.1159 / 95_996), within(2e-4));
		assertThat(r.high()).isGreaterThan(r.rate())
			.isCloseTo(1.1159 + 1.96 * Math.sqrt(1.1159 / 95_996), within(2e-4));
		// Trials that disagree more than a Poisson count would widen it.
		RateEstimate spread = RateEstimate.of(300, 200, 2, 250L * 250 + 50L * 50, 250L * 100 + 50L * 100,
				2L * 100 * 100);
		assertThat(spread.designEffect()).isGreaterThan(1);
		assertThat(spread.low()).isLessThan(1.5);
		assertThat(spread.high()).isGreaterThan(1.5);
	}

}
