package dev.racetrack.web.shared;

import org.springframework.http.HttpStatus;

/**
 * A control request without the session's token (401) or with another one (403).
 */
public class AccessDeniedException extends RuntimeException {

	private final HttpStatus status;

	public AccessDeniedException(HttpStatus status, String detail) {
		super(detail);
		this.status = status;
	}

	public HttpStatus status() {
		return this.status;
	}

}
