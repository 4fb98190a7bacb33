package dev.racetrack.web.shared;

/**
 * A session, code or resource that does not exist here: 404 with problem+json.
 */
public class NotFoundException extends RuntimeException {

	private final String what;

	public NotFoundException(String what, String detail) {
		super(detail);
		this.what = what;
	}

	public String what() {
		return this.what;
	}

}
