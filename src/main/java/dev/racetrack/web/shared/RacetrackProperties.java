package dev.racetrack.web.shared;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Racetrack's limits and settings ({@code racetrack.*} in
 * {@code application.properties}); the README documents each, and its memory model says
 * how the heap shares fit together.
 *
 * @param maxTraceEvents the most events a run may record when events are asked for
 * @param maxCachedEvents the most trace events kept in memory for recent runs; 0 sizes
 * the cache from the heap ({@code runCacheHeapPercent})
 * @param maxConcurrentRuns simulations computed at once; more get 429
 * @param maxSessions live Lab and presenter sessions; more get 429
 * @param maxFollowersPerSession followers of one presenter session; more get 429
 * @param sseBufferEvents events buffered per SSE client before it is moved to the latest
 * snapshot
 * @param sessionIdle how long a session lives with nobody watching or controlling it
 * @param sessionSweep how often idle sessions are looked for
 * @param sseHeartbeat the interval of SSE heartbeats (they also reveal clients that went
 * away or stopped reading)
 * @param maxTrials trials per experiment configuration
 * @param maxConfigurations configurations per experiment
 * @param maxConcurrentExperiments experiments computed at once; more get 429
 * @param maxExperimentAttempts connections or lookups one experiment may simulate in all
 * (trials × pods × rounds, over its configurations)
 * @param frameAncestors the CSP {@code frame-ancestors} sources allowed to embed the
 * pages
 * @param maxStreams event streams open at once (sessions, followers, experiments)
 * @param maxStreamsPerClient event streams one client address may hold (a hall behind one
 * NAT address is one client)
 * @param maxSessionsPerClient live sessions one client address may have created
 * @param maxPresenterStreams presenter streams of one session (a presenter's tabs)
 * @param sessionMaxLifetime how long a session may live at most, watched or not
 * @param sseUnreadHeartbeats heartbeats a client may leave unread (its connection backed
 * up) before its stream is closed
 * @param audienceInterval the least time between two audience updates of a session
 * @param joinGuessBurst join-code lookups a client may make at once
 * @param joinGuessesPerMinute join-code lookups a client may make a minute after that
 * @param runCacheHeapPercent the share of the heap the cache of recent runs may hold
 * @param frameCacheHeapPercent the share of the heap the sessions' rendered events and
 * snapshots may hold, all sessions together
 * @param runBudgetHeapPercent the share of the heap runs being computed may hold together
 * (by their estimate)
 * @param heapAdmitPercent heap in use after the last collection above which new work is
 * refused with 503
 * @param heapReadyPercent heap in use after the last collection above which readiness is
 * DOWN
 * @param eventLoopStall how late the event loops may answer before readiness is DOWN
 * @param eventLoopDead how late the event loops may answer before liveness is DOWN
 * @param idleTimeout how long a connection may stay open with no request
 * @param requestReadTimeout how long a client may take to send a request's head and body
 * @param maxConnections connections open at once; more are closed at once
 * @param maxConnectionsPerClient connections one client address may have open at once
 * (its TCP peer: behind a reverse proxy, the proxy; set it to {@code maxConnections}
 * there); more are closed at once
 * @param maxBodiesInFlight request bodies read at once (imports, diagnoses, sessions);
 * more get 429
 * @param maxDownloadsPerClient large answers (a run's events, an event log, an offline
 * replay) one client address may be downloading at once, at most {@link Downloads#MAX} (a
 * classroom behind one NAT address loads a large run in waves of this many; more wait and
 * ask again)
 * @param prometheusPublic whether {@code /actuator/prometheus} answers on the public port
 */
@ConfigurationProperties("racetrack")
public record RacetrackProperties(@DefaultValue("250000") int maxTraceEvents, @DefaultValue("0") long maxCachedEvents,
		@DefaultValue("4") int maxConcurrentRuns, @DefaultValue("200") int maxSessions,
		@DefaultValue("2000") int maxFollowersPerSession, @DefaultValue("256") int sseBufferEvents,
		@DefaultValue("10m") Duration sessionIdle, @DefaultValue("30s") Duration sessionSweep,
		@DefaultValue("15s") Duration sseHeartbeat, @DefaultValue("10000") int maxTrials,
		@DefaultValue("64") int maxConfigurations, @DefaultValue("2") int maxConcurrentExperiments,
		@DefaultValue("10000000") long maxExperimentAttempts, @DefaultValue("'self'") String frameAncestors,
		@DefaultValue("4500") int maxStreams, @DefaultValue("2100") int maxStreamsPerClient,
		@DefaultValue("50") int maxSessionsPerClient, @DefaultValue("8") int maxPresenterStreams,
		@DefaultValue("8h") Duration sessionMaxLifetime, @DefaultValue("3") int sseUnreadHeartbeats,
		@DefaultValue("250ms") Duration audienceInterval, @DefaultValue("60") int joinGuessBurst,
		@DefaultValue("120") int joinGuessesPerMinute, @DefaultValue("20") int runCacheHeapPercent,
		@DefaultValue("6") int frameCacheHeapPercent, @DefaultValue("20") int runBudgetHeapPercent,
		@DefaultValue("85") int heapAdmitPercent, @DefaultValue("90") int heapReadyPercent,
		@DefaultValue("2s") Duration eventLoopStall, @DefaultValue("30s") Duration eventLoopDead,
		@DefaultValue("60s") Duration idleTimeout, @DefaultValue("10s") Duration requestReadTimeout,
		@DefaultValue("4000") int maxConnections, @DefaultValue("16") int maxBodiesInFlight,
		@DefaultValue("4") int maxDownloadsPerClient, @DefaultValue("false") boolean prometheusPublic,
		@DefaultValue("2200") int maxConnectionsPerClient) {

	/** The most heap this JVM may use. */
	public static long maxHeap() {
		return Runtime.getRuntime().maxMemory();
	}

	/** {@code percent} of the heap, in bytes. */
	public static long heapShare(int percent) {
		return maxHeap() / 100 * percent;
	}

}
