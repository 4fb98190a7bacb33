package dev.racetrack.web.shared;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Whether this instance can serve: DOWN when the heap in use after the last collection is
 * above {@code racetrack.heap-ready-percent} of its ceiling, or when an event loop has
 * kept a task waiting longer than {@code racetrack.event-loop-stall}. It is part of the
 * readiness group, so an orchestrator stops sending traffic (and a container health check
 * fails) while the instance cannot answer in time.
 */
@Component("servingHealthIndicator")
public class ServingHealth implements HealthIndicator {

	private final HeapWatch heap;

	private final EventLoopWatch loops;

	private final RacetrackProperties properties;

	public ServingHealth(HeapWatch heap, EventLoopWatch loops, RacetrackProperties properties) {
		this.heap = heap;
		this.loops = loops;
		this.properties = properties;
	}

	@Override
	public Health health() {
		int heapPercent = this.heap.percentAfterGc();
		long lag = this.loops.lagMillis();
		boolean heapOk = heapPercent <= this.properties.heapReadyPercent();
		boolean loopsOk = lag <= this.properties.eventLoopStall().toMillis();
		return ((heapOk && loopsOk) ? Health.up() : Health.down()).withDetail("heapAfterGcPercent", heapPercent)
			.withDetail("heapCeilingBytes", this.heap.max())
			.withDetail("eventLoopLagMillis", lag)
			.build();
	}

}
