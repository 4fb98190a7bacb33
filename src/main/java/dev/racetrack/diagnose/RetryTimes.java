package dev.racetrack.diagnose;

/**
 * The times a lost packet costs, once for every rule that reads them
 * ({@code src/docs/netfilter-races.md} §5–6, item 13): a resolver waits its
 * {@code timeout} (glibc's 5 s by default) before it sends a lost query again, musl every
 * {@code timeout/attempts} (2.5 s by default, {@code res_msend.c}); a SYN lost is re-sent
 * after the initial RTO of 1 s, then 2 s later (3 s in all) before Linux 6.5, 1 s later
 * from 6.5 ({@code tcp_syn_linear_timeouts}). A gap between two packets of a capture is
 * read within {@link #SLACK_MICROS} of the wait ({@link CaptureRules}); a duration
 * measured around a whole lookup or request holds the work around the wait too, so it may
 * be up to {@link #DURATION_EXTRA_MICROS} longer ({@link SymptomRules}).
 */
final class RetryTimes {

	/** Half the width of the window around the resolver's timeout. */
	static final long SLACK_MICROS = 500_000;

	/** The first SYN retransmission: the initial RTO of 1 s. */
	static final long SYN_MIN_MICROS = 900_000;

	static final long SYN_MAX_MICROS = 1_300_000;

	/** The second: 2 s later with the doubling back-off (3 s in all). */
	static final long SYN_DOUBLED_MIN_MICROS = 1_800_000;

	static final long SYN_DOUBLED_MAX_MICROS = 2_600_000;

	/**
	 * What a timed lookup or request adds to the wait it holds: the other queries of the
	 * search list, the answer, a request's connect and transfer.
	 */
	static final long DURATION_EXTRA_MICROS = 1_000_000;

	private RetryTimes() {
	}

	/**
	 * The resolver's wait before it sends a query again: resolv.conf's, or glibc's 5 s.
	 */
	static long timeoutMicros(ResolverConfig resolver) {
		return resolver.timeoutSeconds() * 1_000_000L;
	}

	/** The tries per name server (glibc's and musl's default: 2). */
	static int attempts(ResolverConfig resolver) {
		return Math.max(1, resolver.attempts());
	}

	/** musl's retry interval: timeout/attempts (2.5 s by default). */
	static long muslIntervalMicros(ResolverConfig resolver) {
		return timeoutMicros(resolver) / attempts(resolver);
	}

	/** Whether a gap between two packets is {@code expected}, within the slack. */
	static boolean gapNear(long gapMicros, long expectedMicros) {
		return Math.abs(gapMicros - expectedMicros) <= SLACK_MICROS;
	}

	/**
	 * Whether a duration holds a wait of {@code expected}: from the slack below it to the
	 * work a duration adds above it.
	 */
	static boolean durationNear(long micros, long expectedMicros) {
		return micros >= expectedMicros - SLACK_MICROS && micros <= expectedMicros + DURATION_EXTRA_MICROS;
	}

	/** Whether a connect took one SYN retransmission: 1 s (0.9–1.3 s). */
	static boolean oneSynLost(long micros) {
		return micros >= SYN_MIN_MICROS && micros <= SYN_MAX_MICROS;
	}

	/**
	 * Whether a connect took two SYN retransmissions: 1 s then 2 s, 3 s in all before 6.5
	 * (2.7–3.9 s).
	 */
	static boolean twoSynsLostDoubling(long micros) {
		return micros >= SYN_MIN_MICROS + SYN_DOUBLED_MIN_MICROS && micros <= SYN_MAX_MICROS + SYN_DOUBLED_MAX_MICROS;
	}

	/** Two SYN retransmissions of 6.5 and later: 1 s then 1 s (1.8–2.6 s). */
	static boolean twoSynsLostLinear(long micros) {
		return micros >= 2 * SYN_MIN_MICROS && micros <= 2 * SYN_MAX_MICROS;
	}

	/** {@code 4.5–6 s}: a window in seconds, trailing zeros off. */
	static String window(long fromMicros, long toMicros) {
		return trim(TcpdumpParser.seconds(fromMicros)) + "–" + trim(TcpdumpParser.seconds(toMicros)) + " s";
	}

	/** {@code 5}, {@code 2.5}: seconds without trailing zeros. */
	static String trim(String seconds) {
		return seconds.replaceAll("0+$", "").replaceAll("\\.$", "");
	}

}
