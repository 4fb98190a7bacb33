package dev.racetrack.web.shared;

import java.net.URI;

import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.server.ResponseStatusException;

/**
 * Every error as {@code application/problem+json}: bad input as 400 naming the parameter
 * and the accepted values, limits as 429 (or 503 when the heap is nearly full), the
 * framework's own errors (malformed bodies, wrong content types, unknown paths, wrong
 * methods) with their status, and anything unexpected as a bare 500 — never a stack trace
 * or an internal detail.
 */
@RestControllerAdvice
public class ApiExceptionHandler {

	private static final org.apache.commons.logging.Log log = org.apache.commons.logging.LogFactory
		.getLog(ApiExceptionHandler.class);

	private final RejectionMetrics metrics;

	/** The codecs' limit on a body read whole, as configured ("1MB"). */
	private final String codecLimit;

	/** {@code racetrack.request-read-timeout}, for the 408. */
	private final java.time.Duration readTimeout;

	public ApiExceptionHandler(RejectionMetrics metrics, RacetrackProperties properties, BodyLimits bodyLimits) {
		this.metrics = metrics;
		this.codecLimit = bodyLimits.codecLimit();
		this.readTimeout = properties.requestReadTimeout();
	}

	@ExceptionHandler({ ErrorResponseException.class, ResponseStatusException.class })
	public ResponseEntity<ProblemDetail> framework(Exception exception) {
		ErrorResponse ex = (ErrorResponse) exception;
		ProblemDetail body = ex.getBody();
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(ex.getStatusCode(),
				(body.getDetail() != null) ? BadParameterException.abbreviate(body.getDetail()) : null);
		problem.setTitle(body.getTitle());
		this.metrics.rejected(ex.getStatusCode().value());
		return ResponseEntity.status(ex.getStatusCode())
			.headers(ex.getHeaders())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	/**
	 * A body over the codecs' limit: the buffer's own exception, or the framework's 413
	 * wrapping it when a controller's {@code @RequestBody} was read (which carried no
	 * detail and no limit).
	 */
	@ExceptionHandler({ DataBufferLimitException.class, org.springframework.web.server.ContentTooLargeException.class,
			org.springframework.web.server.PayloadTooLargeException.class })
	public ResponseEntity<ProblemDetail> tooLarge(Exception ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
				"The request body is larger than " + this.codecLimit + " (" + BodyLimits.CODEC_LIMIT + ").");
		problem.setTitle("Body too large");
		problem.setType(URI.create("/problems/limit"));
		problem.setProperty("parameter", "body");
		problem.setProperty("limit", BodyLimits.CODEC_LIMIT);
		this.metrics.rejected(413);
		return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	@ExceptionHandler(Exception.class)
	public ResponseEntity<ProblemDetail> unexpected(Exception ex) {
		if (clientGone(ex)) {
			// Nobody is left to answer: not an error of the server, and not a 500.
			log.debug("Client went away: " + ex);
			this.metrics.refused("requests", "client-gone");
			return null;
		}
		log.error("Unexpected error", ex);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
				"Something went wrong on the server; the error has been logged.");
		problem.setTitle("Internal error");
		this.metrics.rejected(500);
		return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	/**
	 * A body that stopped arriving: nothing read for
	 * {@code racetrack.request-read-timeout} (a chunk announced and never sent, a
	 * {@code Content-Length} larger than what follows). It was a 500.
	 */
	@ExceptionHandler(io.netty.handler.timeout.ReadTimeoutException.class)
	public ResponseEntity<ProblemDetail> bodyTimedOut(Exception ex) {
		return readTimedOut("The request body stopped arriving: nothing was read for " + seconds(this.readTimeout)
				+ ". Send the whole body at once; its Content-Length or chunk sizes must match what is sent.");
	}

	/**
	 * A body that kept arriving, but was not whole within reactor-netty's request timeout
	 * (six times {@code racetrack.request-read-timeout}, {@link ConnectionLimits}): a
	 * large import on a slow link, or a client dribbling a byte at a time. It was a 500.
	 */
	@ExceptionHandler(io.netty.channel.ChannelException.class)
	public ResponseEntity<ProblemDetail> requestTimedOut(Exception ex) {
		if (!ConnectionLimits.requestTimedOut(ex)) {
			return unexpected(ex);
		}
		java.time.Duration whole = ConnectionLimits.wholeRequest(this.readTimeout);
		return readTimedOut("The request was not whole within " + seconds(whole)
				+ " (six times racetrack.request-read-timeout, " + seconds(this.readTimeout)
				+ "): it kept arriving, too slowly. Send it again from a faster link, or a smaller body.");
	}

	/**
	 * The 408 of either timeout, naming {@code racetrack.request-read-timeout}; the
	 * connection is closed after it.
	 */
	private ResponseEntity<ProblemDetail> readTimedOut(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.REQUEST_TIMEOUT, detail);
		problem.setTitle("Limit reached: racetrack.request-read-timeout");
		problem.setType(URI.create("/problems/limit"));
		problem.setProperty("limit", "racetrack.request-read-timeout");
		this.metrics.rejected(408);
		return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.header("Connection", "close")
			.body(problem);
	}

	private static String seconds(java.time.Duration d) {
		return (d.toMillis() % 1000 == 0) ? d.toSeconds() + " s" : d.toMillis() + " ms";
	}

	@ExceptionHandler(ServiceUnavailableException.class)
	public ResponseEntity<ProblemDetail> unavailable(ServiceUnavailableException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
		problem.setTitle("Unavailable: " + ex.limit());
		problem.setType(URI.create("/problems/limit"));
		problem.setProperty("limit", ex.limit());
		this.metrics.rejected(503);
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.header("Retry-After", "5")
			.body(problem);
	}

	/**
	 * Whether an exception only says that the client closed its connection (a tab closed,
	 * {@code curl -m 1}, a link checker hanging up).
	 */
	public static boolean clientGone(Throwable ex) {
		for (Throwable t = ex; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			String name = t.getClass().getName();
			if (name.equals("reactor.netty.channel.AbortedException")
					|| name.equals("reactor.netty.http.server.HttpServerOperations$RequestTimeoutException")
					|| t instanceof java.nio.channels.ClosedChannelException || t instanceof java.io.EOFException
					|| name.endsWith("PrematureCloseException")) {
				return true;
			}
			String message = t.getMessage();
			if (t instanceof java.io.IOException && message != null && (message.contains("Connection reset")
					|| message.contains("Broken pipe") || message.contains("Connection prematurely closed"))) {
				return true;
			}
		}
		return false;
	}

	@ExceptionHandler(BadParameterException.class)
	public ResponseEntity<ProblemDetail> badParameter(BadParameterException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
		problem.setTitle("Bad parameter: " + ex.parameter());
		problem.setType(URI.create("/problems/bad-parameter"));
		problem.setProperty("parameter", ex.parameter());
		problem.setProperty("accepted", ex.accepted());
		this.metrics.rejected(400);
		return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

	@ExceptionHandler(NotFoundException.class)
	public ResponseEntity<ProblemDetail> notFound(NotFoundException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
		problem.setTitle("Not found: " + ex.what());
		problem.setType(URI.create("/problems/not-found"));
		return ResponseEntity.status(HttpStatus.NOT_FOUND)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	@ExceptionHandler(AccessDeniedException.class)
	public ResponseEntity<ProblemDetail> denied(AccessDeniedException ex) {
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
	public ResponseEntity<ProblemDetail> tooLarge(PayloadTooLargeException ex) {
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
	public ResponseEntity<ProblemDetail> tooMany(TooManyRequestsException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, ex.getMessage());
		problem.setTitle("Limit reached: " + ex.limit());
		problem.setType(URI.create("/problems/limit"));
		problem.setProperty("limit", ex.limit());
		this.metrics.rejected(429);
		return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.header("Retry-After", "2")
			.body(problem);
	}

}
