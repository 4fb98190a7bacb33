package dev.racetrack.web.shared;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Racetrack's limits and settings ({@code racetrack.*} in
 * {@code application.properties}); the README documents each.
 *
 * @param maxTraceEvents the most events a run may record when events are asked for
 * @param maxCachedEvents the most trace events kept in memory for recent runs and
 * sessions
 * @param maxConcurrentRuns simulations computed at once; more get 429
 * @param maxSessions live Lab and presenter sessions; more get 429
 * @param maxFollowersPerSession followers of one presenter session; more get 429
 * @param sseBufferEvents events buffered per SSE client before it is moved to the latest
 * snapshot
 * @param sessionIdle how long a session lives with nobody watching or controlling it
 * @param sessionSweep how often idle sessions are looked for
 * @param sseHeartbeat the interval of SSE heartbeats (they also reveal clients that went
 * away)
 * @param maxTrials trials per experiment configuration
 * @param maxConfigurations configurations per experiment
 * @param maxConcurrentExperiments experiments computed at once; more get 429
 * @param maxExperimentAttempts connections or lookups one experiment may simulate in all
 * (trials × pods × rounds, over its configurations)
 * @param frameAncestors the CSP {@code frame-ancestors} sources allowed to embed the
 * pages
 */
@ConfigurationProperties("racetrack")
public record RacetrackProperties(@DefaultValue("250000") int maxTraceEvents,
		@DefaultValue("600000") long maxCachedEvents, @DefaultValue("4") int maxConcurrentRuns,
		@DefaultValue("200") int maxSessions, @DefaultValue("2000") int maxFollowersPerSession,
		@DefaultValue("256") int sseBufferEvents, @DefaultValue("10m") Duration sessionIdle,
		@DefaultValue("30s") Duration sessionSweep, @DefaultValue("15s") Duration sseHeartbeat,
		@DefaultValue("10000") int maxTrials, @DefaultValue("64") int maxConfigurations,
		@DefaultValue("2") int maxConcurrentExperiments, @DefaultValue("10000000") long maxExperimentAttempts,
		@DefaultValue("'self'") String frameAncestors) {
}
