package dev.racetrack.web.diagnose;

import java.net.URI;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ContentTooLargeException;
import org.springframework.web.server.PayloadTooLargeException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

import dev.racetrack.web.shared.ApiExceptionHandler;
import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.BodyLimits;

/**
 * Problem details for what goes wrong before {@link DiagnoseApiController} sees a
 * request: a body that is not JSON or not well-formed (400), a content type other than
 * JSON or a form (415), a body over the codec limit (413). Scoped to that controller, and
 * first in order, so that the rest of the application keeps its own handling;
 * {@link BadParameterException} still goes to {@link ApiExceptionHandler}.
 */
@RestControllerAdvice(assignableTypes = DiagnoseApiController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class DiagnoseExceptionHandler {

	/** The codecs' limit on a body read whole, as configured ("1MB"). */
	private final String bodyLimit;

	DiagnoseExceptionHandler(BodyLimits bodyLimits) {
		this.bodyLimit = bodyLimits.codecLimit();
	}

	static final String BODY_ACCEPTED = "a JSON object (or form) with the text fields conntrackStats, iptables, "
			+ "uname, resolvConf, conntrackStatsLater and the integer intervalSeconds";

	@ExceptionHandler(ServerWebInputException.class)
	ResponseEntity<ProblemDetail> unreadableBody(ServerWebInputException ex) {
		return problem(HttpStatus.BAD_REQUEST, "body",
				"The request body could not be read: it must be " + BODY_ACCEPTED + ".", BODY_ACCEPTED);
	}

	@ExceptionHandler(UnsupportedMediaTypeStatusException.class)
	ResponseEntity<ProblemDetail> unsupportedMediaType(UnsupportedMediaTypeStatusException ex) {
		String type = (ex.getContentType() != null) ? ex.getContentType().toString() : "none";
		return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type",
				"Content-Type " + BadParameterException.abbreviate(type)
						+ " is not accepted; use application/json or application/x-www-form-urlencoded.",
				"application/json or application/x-www-form-urlencoded");
	}

	@ExceptionHandler({ DataBufferLimitException.class, PayloadTooLargeException.class,
			ContentTooLargeException.class })
	ResponseEntity<ProblemDetail> tooLarge(Exception ex) {
		return problem(
				HttpStatus.CONTENT_TOO_LARGE, "body", "The request body is larger than " + this.bodyLimit + " ("
						+ BodyLimits.CODEC_LIMIT + "); each text is read up to 64 KiB.",
				"at most 64 KiB (65536 bytes) per text field");
	}

	private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String parameter, String detail,
			String accepted) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle("Bad parameter: " + parameter);
		problem.setType(URI.create("/problems/bad-parameter"));
		problem.setProperty("parameter", parameter);
		problem.setProperty("accepted", accepted);
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}
