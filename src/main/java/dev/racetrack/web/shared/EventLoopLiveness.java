package dev.racetrack.web.shared;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Liveness: DOWN when an event loop has kept a task waiting longer than
 * {@code racetrack.event-loop-dead}: an instance that cannot recover by itself, for the
 * orchestrator to restart. A full heap alone is not a reason to restart (admission sheds
 * load, and readiness tells the balancer).
 */
@Component("eventLoopsHealthIndicator")
public class EventLoopLiveness implements HealthIndicator {

	private final EventLoopWatch loops;

	private final RacetrackProperties properties;

	public EventLoopLiveness(EventLoopWatch loops, RacetrackProperties properties) {
		this.loops = loops;
		this.properties = properties;
	}

	@Override
	public Health health() {
		long lag = this.loops.lagMillis();
		return ((lag <= this.properties.eventLoopDead().toMillis()) ? Health.up() : Health.down())
			.withDetail("eventLoopLagMillis", lag)
			.build();
	}

}
