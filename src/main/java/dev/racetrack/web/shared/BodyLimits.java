package dev.racetrack.web.shared;

import java.util.List;
import java.util.concurrent.Semaphore;

import reactor.core.publisher.Mono;

import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * At most {@code racetrack.max-bodies-in-flight} requests with a body (diagnoses,
 * sessions, controls, imports) are read and answered at once; more get 429 before their
 * body is read. Each body is itself bounded (1 MB, imports 8 MiB), so bodies never hold
 * more than that many times their limit.
 * <p>
 * A request that asks {@code Expect: 100-continue} with a {@code Content-Length} over its
 * limit gets 413 at once, naming the limit, instead of {@code 100 Continue} and the same
 * 413 once the client has sent the body (RFC 9110 §10.1.1: the server may send the final
 * status instead); reactor-netty closes the connection after it, the body never sent.
 * Without {@code Expect} the body is already on its way and is read up to the limit as
 * before. Any other expectation gets 417 naming the header (RFC 9110 §10.1.1: "A server
 * that receives an Expect field value containing a member other than 100-continue MAY
 * respond with a 417 (Expectation Failed)"), where it was ignored and the request
 * answered as if it had not asked. The limit is the codecs'
 * {@code spring.http.codecs.max-in-memory-size}, or an {@link Allowance} of a handler
 * that reads a larger body itself.
 */
@Component
public class BodyLimits implements WebFilter {

	/** The codecs' limit on a body read whole (Spring Boot's property). */
	public static final String CODEC_LIMIT = "spring.http.codecs.max-in-memory-size";

	private final Semaphore permits;

	private final RejectionMetrics metrics;

	private final int max;

	/** The codecs' limit on a body read whole, as configured ("1MB"), and in bytes. */
	private final String codecLimit;

	private final long codecLimitBytes;

	private final List<Allowance> allowances;

	public BodyLimits(RacetrackProperties properties, RejectionMetrics metrics, Environment environment,
			List<Allowance> allowances) {
		this.max = Math.max(1, properties.maxBodiesInFlight());
		this.permits = new Semaphore(this.max);
		this.metrics = metrics;
		this.codecLimit = environment.getProperty(CODEC_LIMIT, "256KB");
		this.codecLimitBytes = DataSize.parse(this.codecLimit).toBytes();
		this.allowances = List.copyOf(allowances);
	}

	/**
	 * The codecs' limit on a body read whole, as configured ("1MB"): what every 413 for a
	 * body read by the codecs names.
	 */
	public String codecLimit() {
		return this.codecLimit;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		String expect = exchange.getRequest().getHeaders().getFirst(HttpHeaders.EXPECT);
		if (expect != null && !"100-continue".equalsIgnoreCase(expect.strip())) {
			this.metrics.rejected(417);
			return Problems.badParameter(exchange.getResponse(), HttpStatus.EXPECTATION_FAILED, HttpHeaders.EXPECT,
					"100-continue", "This server meets no expectation but 100-continue; the request asked for "
							+ BadParameterException.abbreviate(expect) + ". Send it again without that Expect.");
		}
		HttpMethod method = exchange.getRequest().getMethod();
		if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH) {
			return chain.filter(exchange);
		}
		ServerHttpRequest request = exchange.getRequest();
		long declared = request.getHeaders().getContentLength();
		if (declared > 0 && "100-continue".equalsIgnoreCase(request.getHeaders().getFirst(HttpHeaders.EXPECT))) {
			String path = request.getPath().pathWithinApplication().value();
			Allowance allowance = this.allowances.stream()
				.filter((a) -> a.path().equals(path))
				.findFirst()
				.orElse(new Allowance(path, this.codecLimitBytes, CODEC_LIMIT, this.codecLimit));
			if (declared > allowance.maxBytes()) {
				this.metrics.refused("bodies", "too-large");
				this.metrics.rejected(413);
				return Problems.write(exchange.getResponse(), HttpStatus.CONTENT_TOO_LARGE,
						"Limit reached: " + allowance.limit(), allowance.limit(),
						"The request body would be " + declared + " bytes (Content-Length); "
								+ BadParameterException.abbreviate(path) + " reads at most " + allowance.shown()
								+ ". It was refused before it was sent " + "(Expect: 100-continue).");
			}
		}
		if (!this.permits.tryAcquire()) {
			this.metrics.refused("bodies", "total");
			return Problems.write(exchange.getResponse(), HttpStatus.TOO_MANY_REQUESTS, "Limit reached: bodies",
					"bodies", "The server is already reading " + this.max + " request bodies; try again in a moment.");
		}
		Lease lease = new Lease(this.permits::release);
		return chain.filter(exchange).doFinally((s) -> lease.release());
	}

	/**
	 * A handler that reads its body itself, up to {@code maxBytes} (more than the codecs'
	 * limit): a bean of this type lets a request to {@code path} that asks
	 * {@code Expect: 100-continue} declare up to that many bytes.
	 *
	 * @param path the request path, exactly
	 * @param maxBytes the largest body read
	 * @param limit the name of the limit, for the problem's {@code limit}
	 * @param shown the limit as the answer shows it ("8 MiB")
	 */
	public record Allowance(String path, long maxBytes, String limit, String shown) {
	}

}
