package dev.racetrack.web;

import java.net.URI;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns bad input into HTTP 400 {@code application/problem+json} bodies that name the
 * parameter and the accepted values, never a stack trace.
 */
@RestControllerAdvice
class ApiExceptionHandler {

	@ExceptionHandler(BadParameterException.class)
	ResponseEntity<ProblemDetail> badParameter(BadParameterException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
		problem.setTitle("Bad parameter: " + ex.parameter());
		problem.setType(URI.create("/problems/bad-parameter"));
		problem.setProperty("parameter", ex.parameter());
		problem.setProperty("accepted", ex.accepted());
		return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

	@ExceptionHandler(NotFoundException.class)
	ResponseEntity<ProblemDetail> notFound(NotFoundException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
		problem.setTitle("Not found: " + ex.what());
		problem.setType(URI.create("/problems/not-found"));
		return ResponseEntity.status(HttpStatus.NOT_FOUND)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	@ExceptionHandler(AccessDeniedException.class)
	ResponseEntity<ProblemDetail> denied(AccessDeniedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(ex.status(), ex.getMessage());
		problem.setTitle((ex.status() == HttpStatus.UNAUTHORIZED) ? "Token required" : "Wrong token");
		problem.setType(URI.create("/problems/token"));
		ResponseEntity.BodyBuilder builder = ResponseEntity.status(ex.status())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (ex.status() == HttpStatus.UNAUTHORIZED) {
			builder.header("WWW-Authenticate", "Bearer");
		}
		return builder.body(problem);
	}

	@ExceptionHandler(PayloadTooLargeException.class)
	ResponseEntity<ProblemDetail> tooLarge(PayloadTooLargeException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, ex.getMessage());
		problem.setTitle("Body too large");
		problem.setType(URI.create("/problems/body-too-large"));
		problem.setProperty("parameter", "body");
		problem.setProperty("limitBytes", ex.limitBytes());
		return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	@ExceptionHandler(TooManyRequestsException.class)
	ResponseEntity<ProblemDetail> tooMany(TooManyRequestsException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, ex.getMessage());
		problem.setTitle("Limit reached: " + ex.limit());
		problem.setType(URI.create("/problems/limit"));
		problem.setProperty("limit", ex.limit());
		return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.header("Retry-After", "2")
			.body(problem);
	}

}
