package dev.racetrack.web.shared;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Security headers on every response: a Content-Security-Policy with no
 * {@code unsafe-inline} and no {@code unsafe-eval} (htmx runs with
 * {@code allowEval:false} and without its indicator styles; no page has inline scripts or
 * style attributes), {@code frame-ancestors} configurable so that slides can embed the
 * Lab ({@code racetrack.frame-ancestors}), no MIME sniffing, and a strict referrer
 * policy.
 */
@Component
public class SecurityHeaders implements WebFilter {

	private final String policy;

	public SecurityHeaders(RacetrackProperties properties) {
		this.policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
				+ "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
				+ "frame-ancestors " + properties.frameAncestors();
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		HttpHeaders headers = exchange.getResponse().getHeaders();
		headers.set("Content-Security-Policy", this.policy);
		headers.set("X-Content-Type-Options", "nosniff");
		headers.set("Referrer-Policy", "no-referrer");
		headers.set("Cross-Origin-Opener-Policy", "same-origin");
		return chain.filter(exchange);
	}

}
