package dev.racetrack.web.session;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * The classroom's gauges on the actuator's Prometheus endpoint: live sessions, their
 * followers and their open streams.
 */
@Component
class SessionMetrics {

	SessionMetrics(MeterRegistry registry, SessionStore sessions) {
		Gauge.builder("racetrack.sessions", sessions, SessionStore::size)
			.description("Live Lab and presenter sessions this instance holds")
			.register(registry);
		Gauge
			.builder("racetrack.followers", sessions,
					(s) -> s.all().stream().mapToInt(LabSession::localFollowers).sum())
			.description("Followers this instance serves (with Redis, each instance counts its own)")
			.register(registry);
		Gauge.builder("racetrack.streams", sessions, (s) -> s.all().stream().mapToInt((x) -> x.streams().get()).sum())
			.description("Open session streams (presenters and followers)")
			.register(registry);
	}

}
