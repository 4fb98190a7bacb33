package dev.racetrack.web.shared;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * {@code /actuator/prometheus} is private by default: it answers 404 on the public port
 * (its figures tell an attacker how close the server is to each limit) unless
 * {@code racetrack.prometheus-public=true}, for a scraper that can only reach this port
 * on a private network.
 */
@Component
public class PrometheusGate implements WebFilter {

	private final boolean open;

	public PrometheusGate(RacetrackProperties properties) {
		this.open = properties.prometheusPublic();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!this.open
				&& exchange.getRequest().getPath().pathWithinApplication().value().startsWith("/actuator/prometheus")) {
			exchange.getResponse().setStatusCode(HttpStatus.NOT_FOUND);
			return exchange.getResponse().setComplete();
		}
		return chain.filter(exchange);
	}

}
