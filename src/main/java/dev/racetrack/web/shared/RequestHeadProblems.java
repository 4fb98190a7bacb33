package dev.racetrack.web.shared;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Answers, in problem details, the request heads that never reach the application: a
 * request line longer than {@code server.netty.max-initial-line-length} (414), headers
 * larger than {@code server.max-http-request-header-size} (431), a head the HTTP decoder
 * cannot read (400), and a request target that is not a URI (400: a raw {@code {}},
 * {@code |}, {@code "}, space or {@code ^}, a {@code %} not followed by two hex digits,
 * as in {@code ?seed=50%} typed into a browser's address bar or {@code curl -g}), a
 * request in another major version of HTTP (505: the HTTP/2 preface
 * {@code PRI * HTTP/2.0} that {@code curl --http2-prior-knowledge} sends; HTTP/2 without
 * TLS is not served), and a chunked body the decoder cannot read (400: a chunk size that
 * is not hexadecimal or does not fit; 431 for trailers over the headers' limit). Without
 * it, the HTTP layer and Spring's adapter answer those with a bare status and no body. It
 * sits in each connection's pipeline right after the HTTP decoder, before reactor-netty's
 * traffic handler; the connection is closed after the answer (what follows cannot be
 * trusted to be the next request). A bad head pipelined behind a request still being
 * answered is left to reactor-netty, which answers it in turn: an answer written from
 * here would cut into the other's. A bad chunk arriving while its request's answer is
 * already being written closes the connection, for the same reason; whatever the
 * application writes for a request whose body was refused here is dropped.
 */
final class RequestHeadProblems extends ChannelDuplexHandler {

	private final String lineLimit;

	private final String headerLimit;

	private final RejectionMetrics metrics;

	/** A bad head was answered: what else arrives on the connection is dropped. */
	private boolean discarding;

	/** Requests passed on whose responses are not yet whole. */
	private int answering;

	/** The oldest response in progress has had its head written. */
	private boolean started;

	/**
	 * This handler answered a request the application had seen: its writes are dropped.
	 */
	private boolean answered;

	/**
	 * @param lineLimit the request line's limit as configured ("16KB")
	 * @param headerLimit the headers' limit as configured ("8KB")
	 */
	RequestHeadProblems(String lineLimit, String headerLimit, RejectionMetrics metrics) {
		this.lineLimit = lineLimit;
		this.headerLimit = headerLimit;
		this.metrics = metrics;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (this.discarding) {
			ReferenceCountUtil.release(msg);
			return;
		}
		if (msg instanceof HttpRequest request) {
			Problem problem = problem(request);
			if (problem == null || this.answering > 0) {
				this.answering++;
			}
			else {
				this.discarding = true;
				ReferenceCountUtil.release(msg);
				this.metrics.rejected(problem.status().code());
				ctx.writeAndFlush(response(problem)).addListener(ChannelFutureListener.CLOSE);
				return;
			}
		}
		else if (msg instanceof HttpContent content && content.decoderResult().isFailure() && this.answering <= 1) {
			// The body of the last request read (a pipelined one's is left to
			// reactor-netty, like its head): nothing after it can be read.
			this.discarding = true;
			ReferenceCountUtil.release(msg);
			if (this.answering == 0 || this.started) {
				// Its request was answered, or is being answered: an answer from here
				// would follow or cut into that one.
				this.metrics.refused("connections", "bad-request-body");
				ctx.close();
			}
			else {
				Problem problem = bodyProblem(content.decoderResult().cause());
				this.metrics.rejected(problem.status().code());
				this.answered = true;
				ctx.writeAndFlush(response(problem)).addListener(ChannelFutureListener.CLOSE);
			}
			return;
		}
		ctx.fireChannelRead(msg);
	}

	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
		if (this.answered) {
			ReferenceCountUtil.release(msg);
			promise.setFailure(new ClosedChannelException());
			return;
		}
		boolean interim = msg instanceof HttpResponse response
				&& response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
		if (msg instanceof HttpResponse && !interim) {
			this.started = true;
		}
		if (msg instanceof LastHttpContent && !interim && this.answering > 0) {
			this.answering--;
			this.started = false;
		}
		super.write(ctx, msg, promise);
	}

	/** What is wrong with a request head, or {@code null}. */
	Problem problem(HttpRequest request) {
		if (!request.decoderResult().isFailure() && request.protocolVersion().majorVersion() != 1) {
			String version = request.protocolVersion().text();
			return new Problem(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "/problems/http-version",
					"HTTP version not supported",
					(request.protocolVersion().majorVersion() == 2)
							? "This server speaks HTTP/1.1: HTTP/2 without TLS (h2c, as curl --http2-prior-knowledge "
									+ "sends) is not served. Send the request in HTTP/1.1 (curl --http1.1)."
							: abbreviate(version) + " is not served; send the request in HTTP/1.1.",
					null);
		}
		if (request.decoderResult().isFailure()) {
			Throwable cause = request.decoderResult().cause();
			if (cause instanceof TooLongHttpLineException) {
				return new Problem(HttpResponseStatus.REQUEST_URI_TOO_LONG, "/problems/limit",
						"Limit reached: server.netty.max-initial-line-length",
						"The request line is longer than " + this.lineLimit + ".",
						"server.netty.max-initial-line-length");
			}
			if (cause instanceof TooLongHttpHeaderException) {
				return new Problem(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "/problems/limit",
						"Limit reached: server.max-http-request-header-size",
						"The request's headers are larger than " + this.headerLimit + ".",
						"server.max-http-request-header-size");
			}
			String what = (cause instanceof TooLongFrameException) ? "too long"
					: "not valid HTTP/1.1 (" + why(cause) + ")";
			return new Problem(HttpResponseStatus.BAD_REQUEST, "/problems/bad-request", "Bad request head",
					"The request head is " + what + ".", null);
		}
		String target = request.uri();
		try {
			new URI(target.startsWith("/") ? "http://localhost" + target : target);
			return null;
		}
		catch (URISyntaxException ex) {
			return new Problem(HttpResponseStatus.BAD_REQUEST, "/problems/bad-request-target", "Bad request target",
					"The request target is not a URI (" + ex.getReason() + " at index "
							+ Math.max(0, ex.getIndex() - (target.startsWith("/") ? "http://localhost".length() : 0))
							+ "): percent-encode spaces and the characters \" < > \\ ^ ` { | }, and write % as %25.",
					null);
		}
	}

	/**
	 * What is wrong with a body the decoder could not read (its trailers, or a chunk).
	 */
	Problem bodyProblem(Throwable cause) {
		if (cause instanceof TooLongHttpHeaderException) {
			return new Problem(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "/problems/limit",
					"Limit reached: server.max-http-request-header-size",
					"The request's trailers are larger than " + this.headerLimit + ".",
					"server.max-http-request-header-size");
		}
		return new Problem(HttpResponseStatus.BAD_REQUEST, "/problems/bad-request-body", "Bad request body",
				"The chunked request body could not be read (" + why(cause) + "): each chunk starts with its size "
						+ "in hexadecimal on a line of its own, and a size of 0 ends the body.",
				null);
	}

	/** The decoder's reason, at most 120 characters. */
	private static String why(Throwable cause) {
		String why = (cause == null || cause.getMessage() == null) ? String.valueOf(cause) : cause.getMessage();
		return abbreviate(why);
	}

	private static String abbreviate(String text) {
		return (text.length() > 120) ? text.substring(0, 120) + "…" : text;
	}

	private static FullHttpResponse response(Problem problem) {
		byte[] body = Problems
			.json(problem.type(), problem.title(), problem.status().code(), problem.detail(), "limit", problem.limit())
			.getBytes(StandardCharsets.UTF_8);
		FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, problem.status(),
				Unpooled.wrappedBuffer(body));
		response.headers()
			.set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
			.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
			.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
			.set("X-Content-Type-Options", "nosniff");
		return response;
	}

	record Problem(HttpResponseStatus status, String type, String title, String detail, String limit) {
	}

}
