package dev.racetrack.experiment;

/**
 * A rate of events per attempt over many trials, with a 95 % confidence interval.
 *
 * <p>
 * The interval is the <b>Wilson score interval</b> (Wilson, 1927) of the per-attempt
 * rate, computed on an <em>effective</em> number of attempts: the attempts of one trial
 * share a node, a rover and a conntrack table, so their failures are not independent (one
 * lost SYN makes its retransmission race again). The design effect
 * {@code deff = max(1, Var_trials / Var_binomial)} compares the spread of the trials'
 * counts around the pooled rate ({@code Σ (k_i − p·n_i)² · T/(T−1)}) with what
 * independent attempts would give ({@code n·p·(1−p)}); the interval is then Wilson's for
 * {@code p} with {@code n / deff} attempts (Kish's effective sample size, as in Korn and
 * Graubard, 1998). With independent attempts it is Wilson's interval itself; with no
 * event at all it is {@code [0, z²/(n+z²)]}, which a normal interval would not give. The
 * rate is events per attempt, so a retransmitted SYN that fails again counts twice; for
 * the interval the rate is capped at 1.
 *
 * @param events the events counted (e.g. {@code insert_failed} increments)
 * @param attempts the attempts (connections or lookups)
 * @param rate {@code events / attempts}, 0 without attempts
 * @param low the lower bound of the 95 % interval
 * @param high the upper bound of the 95 % interval
 * @param designEffect the variance inflation used ({@code >= 1})
 */
public record RateEstimate(long events, long attempts, double rate, double low, double high, double designEffect) {

	/** The normal quantile of a two-sided 95 % interval. */
	static final double Z95 = 1.959963984540054;

	public RateEstimate {
		if (events < 0 || attempts < 0 || designEffect < 1) {
			throw new IllegalArgumentException("events and attempts >= 0, design effect >= 1");
		}
		if (low < 0 || high > 1 || low > high || (rate <= 1 && (rate < low || rate > high))) {
			throw new IllegalArgumentException("bad interval [" + low + ", " + high + "] for " + rate);
		}
	}

	/**
	 * The estimate from totals and the sum of squared residuals of the trials.
	 * @param events the events over all trials
	 * @param attempts the attempts over all trials
	 * @param trials the number of trials
	 * @param sumEvents2 {@code Σ k_i²}
	 * @param sumEventsAttempts {@code Σ k_i·n_i}
	 * @param sumAttempts2 {@code Σ n_i²}
	 */
	static RateEstimate of(long events, long attempts, long trials, long sumEvents2, long sumEventsAttempts,
			long sumAttempts2) {
		if (attempts == 0) {
			return new RateEstimate(events, 0, 0, 0, 1, 1);
		}
		double p = (double) events / attempts;
		double q = Math.min(p, 1);
		double binomial = attempts * q * (1 - q);
		double deff = 1;
		if (trials >= 2 && binomial > 0) {
			// Σ (k_i − p·n_i)² expanded, so that trials need not be kept.
			double residual = sumEvents2 - 2 * p * sumEventsAttempts + p * p * sumAttempts2;
			double clustered = Math.max(0, residual) * trials / (trials - 1);
			deff = Math.max(1, clustered / binomial);
		}
		double[] interval = wilson(q, attempts / deff);
		return new RateEstimate(events, attempts, p, interval[0], Math.max(interval[1], Math.min(q, 1)), deff);
	}

	/** Wilson's score interval for a proportion {@code p} of {@code n} trials. */
	static double[] wilson(double p, double n) {
		if (n <= 0) {
			return new double[] { 0, 1 };
		}
		double z2 = Z95 * Z95;
		double denominator = 1 + z2 / n;
		double centre = (p + z2 / (2 * n)) / denominator;
		double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
		double low = Math.max(0, centre - half);
		double high = Math.min(1, centre + half);
		return new double[] { Math.min(low, p), high };
	}

}
