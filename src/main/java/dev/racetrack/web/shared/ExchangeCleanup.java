package dev.racetrack.web.shared;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Gives back what a request holds (a run kept in memory for its answer) when the exchange
 * ends, however it ends: answered, failed, or the client gone before its body was even
 * subscribed. The holder registers its {@link Lease}; releasing twice is harmless.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ExchangeCleanup implements WebFilter {

	private static final String KEY = ExchangeCleanup.class.getName();

	/** Releases {@code lease} when {@code exchange} ends. */
	public static void onEnd(ServerWebExchange exchange, Lease lease) {
		List<Lease> leases = exchange.getAttribute(KEY);
		if (leases == null) {
			lease.release();
			throw new IllegalStateException("no cleanup registered for this exchange");
		}
		leases.add(lease);
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		List<Lease> leases = new CopyOnWriteArrayList<>();
		exchange.getAttributes().put(KEY, leases);
		return chain.filter(exchange).doFinally((s) -> leases.forEach(Lease::release));
	}

}
