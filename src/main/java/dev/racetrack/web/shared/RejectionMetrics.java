package dev.racetrack.web.shared;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * Racetrack's own metrics shared by every feature: SSE events sent, requests rejected by
 * status, and work admitted and refused by kind and reason. Each feature registers its
 * own gauges (sessions, followers, experiments).
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

	/** Work of a kind ({@code runs}, {@code streams}, {@code sessions}…) was admitted. */
	public void admitted(String work) {
		Counter.builder("racetrack.admitted")
			.description("Work admitted, by kind")
			.tag("work", work)
			.register(this.registry)
			.increment();
	}

	/**
	 * Work of a kind was refused, and why: {@code total}, {@code per-client},
	 * {@code memory}, {@code cpu}, {@code heap}, {@code rate}, {@code too-large}…
	 */
	public void refused(String work, String reason) {
		Counter.builder("racetrack.refused")
			.description("Work refused, by kind and reason")
			.tag("work", work)
			.tag("reason", reason)
			.register(this.registry)
			.increment();
	}

	public void eventSent() {
		this.eventsSent.increment();
	}

}
