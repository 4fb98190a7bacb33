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
