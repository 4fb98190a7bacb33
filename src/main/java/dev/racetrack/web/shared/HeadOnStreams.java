package dev.racetrack.web.shared;

import java.util.regex.Pattern;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * HEAD on an event stream or an experiment (uptime monitors and chat link previews send
 * HEAD) gets {@code 405 Allow: GET} at once: such a request would start work, or take a
 * slot, for a body nobody reads.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class HeadOnStreams implements WebFilter {

	static final Pattern STREAMS = Pattern
		.compile("^/api/(experiments|sessions/[^/]+/events|watch/[^/]+/events|simulate|export/.*)$");

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (exchange.getRequest().getMethod() == HttpMethod.HEAD
				&& STREAMS.matcher(exchange.getRequest().getPath().pathWithinApplication().value()).matches()) {
			var response = exchange.getResponse();
			response.setStatusCode(HttpStatus.METHOD_NOT_ALLOWED);
			response.getHeaders().set(HttpHeaders.ALLOW, "GET");
			response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
			return response.setComplete();
		}
		return chain.filter(exchange);
	}

}
