package dev.racetrack.web.shared;

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
 * A request with a body whose {@code Content-Type} is not a media type the server can
 * read ({@code garbage}, {@code /}, {@code application/json; charset=} or a charset the
 * JVM does not know, {@code charset=klingon}) gets 415 in problem details naming the
 * header, before any controller asks for the type. Without it, {@code /api/diagnose}
 * answered those with a 500: its catch-all mapping asked the request for its content
 * type, which throws on such a header. A controller still answers a readable type it does
 * not take with its own 415.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
public class ContentTypeHeaders implements WebFilter {

	static final String ACCEPTED = "a media type such as application/json (UTF-8) or "
			+ "application/x-www-form-urlencoded, with a charset the server knows";

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		HttpMethod method = exchange.getRequest().getMethod();
		String type = exchange.getRequest().getHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
		if (type == null || (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH)) {
			return chain.filter(exchange);
		}
		String why = unreadable(type);
		if (why == null) {
			return chain.filter(exchange);
		}
		return Problems.badParameter(exchange.getResponse(), HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type",
				ACCEPTED, "Content-Type " + BadParameterException.abbreviate(type) + " cannot be read (" + why
						+ "); send " + ACCEPTED + ".");
	}

	/** Why a Content-Type value cannot be read, or {@code null} when it can. */
	static String unreadable(String type) {
		try {
			MediaType.parseMediaType(type);
			return null;
		}
		catch (IllegalArgumentException ex) {
			String message = (ex.getMessage() != null) ? ex.getMessage() : "not a media type";
			int colon = message.lastIndexOf(": ");
			return BadParameterException.abbreviate((colon >= 0) ? message.substring(colon + 2) : message);
		}
	}

}
