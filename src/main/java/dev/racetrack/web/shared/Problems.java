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
		String body = "{\"type\":\"/problems/limit\",\"title\":" + quote(title) + ",\"status\":" + status.value()
				+ ",\"detail\":" + quote(detail) + ",\"limit\":" + quote(limit) + "}";
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
		String body = "{\"type\":\"/problems/bad-parameter\",\"title\":" + quote("Bad parameter: " + parameter)
				+ ",\"status\":" + status.value() + ",\"detail\":" + quote(detail) + ",\"parameter\":"
				+ quote(parameter) + ",\"accepted\":" + quote(accepted) + "}";
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body.getBytes(StandardCharsets.UTF_8))));
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
