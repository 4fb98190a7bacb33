package dev.racetrack.web.shared;

import java.net.URI;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Whether a request was sent by this site's own pages, as the browser says it: the
 * {@code Sec-Fetch-Site} header when present, else the {@code Origin} header against the
 * request's own origin. A request with neither (curl, a script) is not a browser's
 * cross-site request and passes.
 */
public final class SameOrigin {

	private SameOrigin() {
	}

	public static boolean test(ServerHttpRequest request) {
		String site = request.getHeaders().getFirst("Sec-Fetch-Site");
		if (site != null) {
			return site.equals("same-origin") || site.equals("none");
		}
		String origin = request.getHeaders().getFirst(HttpHeaders.ORIGIN);
		if (origin == null) {
			return true;
		}
		URI uri = request.getURI();
		String host = request.getHeaders().getFirst(HttpHeaders.HOST);
		return origin.equals(uri.getScheme() + "://" + ((host != null) ? host : uri.getAuthority()));
	}

}
