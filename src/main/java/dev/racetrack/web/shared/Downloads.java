package dev.racetrack.web.shared;

import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;

/**
 * Large answers written in chunks (a run's events, an event log, an offline replay) at
 * once: at most {@link #MAX} in all and {@code racetrack.max-downloads-per-client} (4,
 * never more than {@link #MAX}) per client address, each holding a chunk or two and
 * Netty's high-water mark (about 200 KB); more get 429. The slot is given back when the
 * exchange ends, however it ends.
 */
@Component
public class Downloads {

	public static final int MAX = 32;

	private final ClientQuota quota;

	public Downloads(RacetrackProperties properties, RejectionMetrics metrics) {
		this.quota = new ClientQuota("downloads", "large downloads in progress", MAX,
				Math.min(MAX, Math.max(1, properties.maxDownloadsPerClient())), metrics);
	}

	/** A slot for this exchange's download, or 429; released when the exchange ends. */
	public Lease open(ServerWebExchange exchange) {
		Lease lease = this.quota.acquire(Clients.of(exchange.getRequest()));
		ExchangeCleanup.onEnd(exchange, lease);
		return lease;
	}

}
