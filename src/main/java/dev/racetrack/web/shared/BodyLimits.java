package dev.racetrack.web.shared;

import java.util.concurrent.Semaphore;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * At most {@code racetrack.max-bodies-in-flight} requests with a body (diagnoses,
 * sessions, controls, imports) are read and answered at once; more get 429 before their
 * body is read. Each body is itself bounded (1 MB, imports 8 MiB), so bodies never hold
 * more than that many times their limit.
 */
@Component
public class BodyLimits implements WebFilter {

	private final Semaphore permits;

	private final RejectionMetrics metrics;

	private final int max;

	public BodyLimits(RacetrackProperties properties, RejectionMetrics metrics) {
		this.max = Math.max(1, properties.maxBodiesInFlight());
		this.permits = new Semaphore(this.max);
		this.metrics = metrics;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		HttpMethod method = exchange.getRequest().getMethod();
		if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH) {
			return chain.filter(exchange);
		}
		if (!this.permits.tryAcquire()) {
			this.metrics.refused("bodies", "total");
			return Problems.write(exchange.getResponse(), HttpStatus.TOO_MANY_REQUESTS, "Limit reached: bodies",
					"bodies", "The server is already reading " + this.max + " request bodies; try again in a moment.");
		}
		Lease lease = new Lease(this.permits::release);
		return chain.filter(exchange).doFinally((s) -> lease.release());
	}

}
