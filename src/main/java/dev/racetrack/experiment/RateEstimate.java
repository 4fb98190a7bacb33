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
 * rate is events per attempt, so a retransmitted SYN that fails again counts twice.
 *
 * <p>
 * A counter can pass one per attempt ({@code found} and {@code invalid} do on a node full
 * of TIME_WAIT entries); a proportion's interval cannot hold such a rate, so above 1 the
 * events are taken as a count: the design effect compares the trials' spread with a
 * Poisson variance ({@code n·p}), and the interval is the Poisson score interval of the
 * rate on the effective attempts, {@code p + z²/2n ± z·√(p/n + z²/4n²)}.
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
		if (low < 0 || low > high || rate < low || rate > high || (rate <= 1 && high > 1)) {
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
		boolean count = p > 1;
		double independent = count ? attempts * p : attempts * p * (1 - p);
		double deff = 1;
		if (trials >= 2 && independent > 0) {
			// Σ (k_i − p·n_i)² expanded, so that trials need not be kept.
			double residual = sumEvents2 - 2 * p * sumEventsAttempts + p * p * sumAttempts2;
			double clustered = Math.max(0, residual) * trials / (trials - 1);
			deff = Math.max(1, clustered / independent);
		}
		double[] interval = count ? poissonScore(p, attempts / deff) : wilson(p, attempts / deff);
		return new RateEstimate(events, attempts, p, interval[0], Math.max(interval[1], p), deff);
	}

	/**
	 * The score interval of a Poisson rate {@code p} per attempt over {@code n} attempts.
	 */
	static double[] poissonScore(double p, double n) {
		double z2 = Z95 * Z95;
		double centre = p + z2 / (2 * n);
		double half = Z95 * Math.sqrt(p / n + z2 / (4 * n * n));
		return new double[] { Math.min(Math.max(0, centre - half), p), centre + half };
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
