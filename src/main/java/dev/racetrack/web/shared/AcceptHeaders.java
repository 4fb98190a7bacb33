package dev.racetrack.web.shared;

import java.util.ArrayList;
import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.util.MimeTypeUtils;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * An {@code Accept} header is read entry by entry, and the entries no parser can read are
 * left out; with none left the request is answered as if it had sent none, which RFC 9110
 * §12.5.1 allows a server to do with an {@code Accept} it cannot honour (rather than a
 * 406). Without this, one unreadable entry ({@code Accept: garbage},
 * {@code application/json;q=abc} from a hand-written client) made the whole header
 * unreadable to everything that answers: an error's problem details went out with an
 * empty body, a 406 in Spring Boot's default JSON instead of problem details.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class AcceptHeaders implements WebFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		List<String> values = exchange.getRequest().getHeaders().get(HttpHeaders.ACCEPT);
		if (values == null || values.isEmpty()) {
			return chain.filter(exchange);
		}
		try {
			// the common case: the whole header reads, once
			MediaType.parseMediaTypes(values);
			return chain.filter(exchange);
		}
		catch (IllegalArgumentException ex) {
			// read it entry by entry below
		}
		List<String> readable = readable(values);
		return chain.filter(exchange.mutate().request((r) -> r.headers((h) -> {
			if (readable.isEmpty()) {
				h.remove(HttpHeaders.ACCEPT);
			}
			else {
				h.set(HttpHeaders.ACCEPT, String.join(", ", readable));
			}
		})).build());
	}

	/** The entries of the header's values that parse as media ranges, in order. */
	static List<String> readable(List<String> values) {
		List<String> kept = new ArrayList<>();
		for (String value : values) {
			for (String entry : entries(value)) {
				try {
					MediaType.parseMediaType(entry);
					kept.add(entry);
				}
				catch (IllegalArgumentException ex) {
					// left out: unreadable
				}
			}
		}
		return kept;
	}

	private static List<String> entries(String value) {
		List<String> entries = new ArrayList<>();
		for (String token : MimeTypeUtils.tokenize(value)) {
			if (!token.isBlank()) {
				entries.add(token.trim());
			}
		}
		return entries;
	}

}
