package dev.racetrack.web;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * Racetrack's own metrics on the actuator's Prometheus endpoint: live sessions and
 * followers, SSE events sent, and requests rejected by status.
 */
@Component
class RejectionMetrics {

	private final MeterRegistry registry;

	private final Counter eventsSent;

	RejectionMetrics(MeterRegistry registry, SessionRegistry sessions, ExperimentRunner experiments) {
		this.registry = registry;
		Gauge.builder("racetrack.experiments.running", experiments, ExperimentRunner::running)
			.description("Experiments computing now")
			.register(registry);
		Gauge.builder("racetrack.sessions", sessions, SessionRegistry::size)
			.description("Live Lab and presenter sessions")
			.register(registry);
		Gauge.builder("racetrack.followers", sessions, (s) -> s.all().stream().mapToInt(LabSession::followers).sum())
			.description("Followers connected to presenter sessions")
			.register(registry);
		Gauge.builder("racetrack.streams", sessions, (s) -> s.all().stream().mapToInt((x) -> x.streams().get()).sum())
			.description("Open session streams (presenters and followers)")
			.register(registry);
		this.eventsSent = Counter.builder("racetrack.sse.events").description("SSE events sent").register(registry);
	}

	void rejected(int status) {
		Counter.builder("racetrack.rejected")
			.description("Requests rejected, by status")
			.tag("status", String.valueOf(status))
			.register(this.registry)
			.increment();
	}

	void eventSent() {
		this.eventsSent.increment();
	}

}
