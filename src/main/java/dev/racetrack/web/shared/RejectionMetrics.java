package dev.racetrack.web.shared;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * Racetrack's own metrics shared by every feature: SSE events sent and requests rejected
 * by status. Each feature registers its own gauges (sessions, followers, experiments).
 */
@Component
public class RejectionMetrics {

	private final MeterRegistry registry;

	private final Counter eventsSent;

	public RejectionMetrics(MeterRegistry registry) {
		this.registry = registry;
		this.eventsSent = Counter.builder("racetrack.sse.events").description("SSE events sent").register(registry);
	}

	public void rejected(int status) {
		Counter.builder("racetrack.rejected")
			.description("Requests rejected, by status")
			.tag("status", String.valueOf(status))
			.register(this.registry)
			.increment();
	}

	public void eventSent() {
		this.eventsSent.increment();
	}

}
