package dev.racetrack.web.shared;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of things held, in total and per client, each under its cap: a lease is taken
 * or a {@link TooManyRequestsException} names the cap reached. A client's entry goes away
 * when it holds nothing, so the map never holds more clients than there are leases.
 */
public final class ClientQuota {

	private final String name;

	private final int total;

	private final int perClient;

	private final String what;

	private final AtomicInteger held = new AtomicInteger();

	private final ConcurrentHashMap<String, AtomicInteger> byClient = new ConcurrentHashMap<>();

	private final RejectionMetrics metrics;

	/**
	 * @param name the limit's name in problems and metrics ({@code streams}); its cap per
	 * client is the setting {@code racetrack.max-{name}-per-client}, which the 429 names
	 * @param what what is counted, for the messages ({@code open streams})
	 */
	public ClientQuota(String name, String what, int total, int perClient, RejectionMetrics metrics) {
		this.name = name;
		this.what = what;
		this.total = total;
		this.perClient = perClient;
		this.metrics = metrics;
	}

	/** Takes one for {@code client}, or throws 429 naming the total or per-client cap. */
	public Lease acquire(String client) {
		if (this.held.incrementAndGet() > this.total) {
			this.held.decrementAndGet();
			this.metrics.refused(this.name, "total");
			throw new TooManyRequestsException(this.name,
					"This server already holds " + this.total + " " + this.what + "; try again in a moment.");
		}
		boolean[] ok = { false };
		this.byClient.compute(client, (k, count) -> {
			AtomicInteger c = (count != null) ? count : new AtomicInteger();
			if (c.get() < this.perClient) {
				c.incrementAndGet();
				ok[0] = true;
			}
			return (c.get() == 0) ? null : c;
		});
		if (!ok[0]) {
			this.held.decrementAndGet();
			this.metrics.refused(this.name, "per-client");
			throw new TooManyRequestsException(this.name + "-per-client", "Your address already holds " + this.perClient
					+ " " + this.what + " (racetrack.max-" + this.name + "-per-client); close some first.");
		}
		this.metrics.admitted(this.name);
		return new Lease(() -> {
			this.held.decrementAndGet();
			this.byClient.computeIfPresent(client, (k, c) -> (c.decrementAndGet() <= 0) ? null : c);
		});
	}

	/** How many are held now. */
	public int held() {
		return this.held.get();
	}

	/** How many clients hold at least one. */
	public int clients() {
		return this.byClient.size();
	}

}
