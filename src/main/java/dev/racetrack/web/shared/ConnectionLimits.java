package dev.racetrack.web.shared;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import reactor.netty.NettyPipeline;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Bounds on connections, for clients that open many and send little (slowloris):
 * <ul>
 * <li>at most {@code racetrack.max-connections} open at once, and at most
 * {@code racetrack.max-connections-per-client} from one client address, so that one host
 * opening connections as fast as it can leaves the rest for everyone else; more are
 * closed as soon as they are accepted;</li>
 * <li>a new connection must send a whole request head within
 * {@code racetrack.request-read-timeout}, and a kept-alive one its next head within
 * {@code racetrack.idle-timeout} of the last response (a head sent a byte at a time gets
 * no more);</li>
 * <li>a request's body must keep arriving ({@code racetrack.request-read-timeout} between
 * reads) and be whole within six times that;</li>
 * <li>a connection idle between requests is closed after
 * {@code racetrack.idle-timeout}.</li>
 * </ul>
 */
@Component
public class ConnectionLimits implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory> {

	private final RacetrackProperties properties;

	private final RejectionMetrics metrics;

	private final AtomicInteger open = new AtomicInteger();

	/**
	 * Connections open per client address; an address leaves when its last connection
	 * closes, so this holds at most {@code racetrack.max-connections} entries.
	 */
	private final ConcurrentHashMap<InetAddress, Integer> openByClient = new ConcurrentHashMap<>();

	/** The request line's and the headers' limits, as configured, for the answers. */
	private final String lineLimit;

	private final String headerLimit;

	public ConnectionLimits(RacetrackProperties properties, RejectionMetrics metrics, MeterRegistry registry,
			org.springframework.core.env.Environment environment) {
		this.properties = properties;
		this.metrics = metrics;
		this.lineLimit = environment.getProperty("server.netty.max-initial-line-length", "4KB");
		this.headerLimit = environment.getProperty("server.max-http-request-header-size", "8KB");
		if (properties.maxConnectionsPerClient() < 1) {
			throw new IllegalArgumentException("racetrack.max-connections-per-client must be at least 1");
		}
		Gauge.builder("racetrack.connections", this.open, AtomicInteger::get)
			.description("HTTP connections open")
			.register(registry);
	}

	@Override
	public void customize(NettyReactiveWebServerFactory factory) {
		Duration read = this.properties.requestReadTimeout();
		Duration idle = this.properties.idleTimeout();
		factory.addServerCustomizers((server) -> server.idleTimeout(idle)
			.readTimeout(read)
			.requestTimeout(wholeRequest(read))
			.doOnChannelInit((observer, channel, remote) -> {
				if (this.open.incrementAndGet() > this.properties.maxConnections()) {
					this.open.decrementAndGet();
					this.metrics.refused("connections", "total");
					channel.close();
					return;
				}
				// The peer of the accepted channel (reactor-netty passes no remote
				// address to a server's channel initializer).
				SocketAddress peer = (remote != null) ? remote : channel.remoteAddress();
				InetAddress client = (peer instanceof InetSocketAddress inet) ? inet.getAddress() : null;
				if (client != null && !takeForClient(client)) {
					this.open.decrementAndGet();
					this.metrics.refused("connections", "per-client");
					channel.close();
					return;
				}
				channel.closeFuture().addListener((f) -> {
					this.open.decrementAndGet();
					if (client != null) {
						this.openByClient.computeIfPresent(client, (a, n) -> (n > 1) ? n - 1 : null);
					}
				});
				// Right after the HTTP decoder (it sees decoded requests), before
				// reactor-netty's traffic handler, which would answer a bad head or body
				// with a bare status.
				if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
					channel.pipeline()
						.addBefore(NettyPipeline.HttpTrafficHandler, "racetrack-request-head-problems",
								new RequestHeadProblems(this.lineLimit, this.headerLimit, this.metrics));
				}
				// Before the bridge to the application.
				HeadDeadline deadline = new HeadDeadline(read, idle, this.metrics);
				if (channel.pipeline().get(NettyPipeline.ReactiveBridge) != null) {
					channel.pipeline().addBefore(NettyPipeline.ReactiveBridge, "racetrack-head-deadline", deadline);
				}
				else {
					channel.pipeline().addLast("racetrack-head-deadline", deadline);
				}
			}));
	}

	/**
	 * How long a whole request (head and body) may take to arrive: six times
	 * {@code racetrack.request-read-timeout}.
	 */
	static Duration wholeRequest(Duration read) {
		return read.multipliedBy(6);
	}

	/**
	 * Whether {@code error} is reactor-netty's signal that a request was not whole within
	 * {@link #wholeRequest} ({@code reactor.netty.http.server.RequestTimeoutException}, a
	 * {@link io.netty.channel.ChannelException} whose type is not public, so it is told
	 * by its name).
	 */
	static boolean requestTimedOut(Throwable error) {
		return error instanceof io.netty.channel.ChannelException
				&& "reactor.netty.http.server.RequestTimeoutException".equals(error.getClass().getName());
	}

	/** Connections open now. */
	public int open() {
		return this.open.get();
	}

	/** Connections open now from one client address. */
	public int open(InetAddress client) {
		return this.openByClient.getOrDefault(client, 0);
	}

	/** Counts one more connection of {@code client}, unless it has its share already. */
	private boolean takeForClient(InetAddress client) {
		int cap = this.properties.maxConnectionsPerClient();
		boolean[] taken = new boolean[1];
		this.openByClient.compute(client, (a, n) -> {
			int held = (n != null) ? n : 0;
			if (held >= cap) {
				return n;
			}
			taken[0] = true;
			return held + 1;
		});
		return taken[0];
	}

	/**
	 * Closes a connection whose request head is not whole in time: {@code first} for a
	 * new connection, {@code next} after a response on a kept-alive one. No timer runs
	 * while a request is being answered (an event stream may last hours).
	 */
	static final class HeadDeadline extends ChannelDuplexHandler {

		private final Duration first;

		private final Duration next;

		private final RejectionMetrics metrics;

		private ScheduledFuture<?> timer;

		HeadDeadline(Duration first, Duration next, RejectionMetrics metrics) {
			this.first = first;
			this.next = next;
			this.metrics = metrics;
		}

		@Override
		public void handlerAdded(ChannelHandlerContext ctx) {
			arm(ctx, this.first);
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
			if (msg instanceof HttpRequest) {
				disarm();
			}
			super.channelRead(ctx, msg);
		}

		@Override
		public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
			if (msg instanceof LastHttpContent) {
				promise.addListener((f) -> {
					if (ctx.channel().isActive()) {
						arm(ctx, this.next);
					}
				});
			}
			super.write(ctx, msg, promise);
		}

		@Override
		public void channelInactive(ChannelHandlerContext ctx) throws Exception {
			disarm();
			super.channelInactive(ctx);
		}

		private void arm(ChannelHandlerContext ctx, Duration after) {
			disarm();
			this.timer = ctx.executor().schedule(() -> {
				this.metrics.refused("connections", "slow-request-head");
				ctx.channel().close();
			}, after.toMillis(), TimeUnit.MILLISECONDS);
		}

		private void disarm() {
			if (this.timer != null) {
				this.timer.cancel(false);
				this.timer = null;
			}
		}

	}

}
