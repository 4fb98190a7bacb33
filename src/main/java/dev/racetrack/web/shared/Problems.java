package dev.racetrack.web.shared;

import java.nio.charset.StandardCharsets;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;

/**
 * A problem written by a web filter (filters run before the controllers' exception
 * handlers): the same {@code application/problem+json} shape as
 * {@link ApiExceptionHandler}'s.
 */
public final class Problems {

	private Problems() {
	}

	public static Mono<Void> write(ServerHttpResponse response, HttpStatus status, String title, String limit,
			String detail) {
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
			response.getHeaders().set("Retry-After", "2");
		}
		String body = json("/problems/limit", title, status.value(), detail, "limit", limit);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8))));
	}

	/**
	 * A bad parameter (a header, here), in {@link ApiExceptionHandler}'s
	 * {@code /problems/bad-parameter} shape: {@code parameter} and {@code accepted}.
	 */
	public static Mono<Void> badParameter(ServerHttpResponse response, HttpStatus status, String parameter,
			String accepted, String detail) {
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		String body = json("/problems/bad-parameter", "Bad parameter: " + parameter, status.value(), detail,
				"parameter", parameter, "accepted", accepted);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8))));
	}

	/**
	 * The body of a problem: {@code type}, {@code title}, {@code status}, {@code detail}
	 * and the extra members given as name, value pairs (a {@code null} value is left
	 * out). Also written by {@link RequestHeadProblems}, below the application.
	 */
	static String json(String type, String title, int status, String detail, String... extras) {
		StringBuilder sb = new StringBuilder(256).append("{\"type\":")
			.append(quote(type))
			.append(",\"title\":")
			.append(quote(title))
			.append(",\"status\":")
			.append(status)
			.append(",\"detail\":")
			.append(quote(detail));
		for (int i = 0; i + 1 < extras.length; i += 2) {
			if (extras[i + 1] != null) {
				sb.append(',').append(quote(extras[i])).append(':').append(quote(extras[i + 1]));
			}
		}
		return sb.append('}').toString();
	}

	private static String quote(String s) {
		StringBuilder sb = new StringBuilder("\"");
		for (char c : s.toCharArray()) {
			if (c == '"' || c == '\\') {
				sb.append('\\').append(c);
			}
			else if (c < 0x20) {
				sb.append(String.format("\\u%04x", (int) c));
			}
			else {
				sb.append(c);
			}
		}
		return sb.append('"').toString();
	}

}
