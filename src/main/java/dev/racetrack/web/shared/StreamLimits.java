package dev.racetrack.web.shared;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * Every event stream (a session's, a follower's, an experiment's) holds one of
 * {@code racetrack.max-streams} slots, and a client address at most
 * {@code racetrack.max-streams-per-client}: taken when the stream starts, given back when
 * it ends, whatever ends it.
 */
@Component
public class StreamLimits {

	private final ClientQuota quota;

	public StreamLimits(RacetrackProperties properties, RejectionMetrics metrics, MeterRegistry registry) {
		this.quota = new ClientQuota("streams", "open event streams", properties.maxStreams(),
				properties.maxStreamsPerClient(), metrics);
		Gauge.builder("racetrack.streams.open", this.quota, ClientQuota::held)
			.description("Event streams open (sessions, followers, experiments)")
			.register(registry);
	}

	/** A slot for a stream of {@code client}, or 429. */
	public Lease open(String client) {
		return this.quota.acquire(client);
	}

	public int open() {
		return this.quota.held();
	}

}
