package dev.racetrack.web.shared;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client: {@code burst} tries at once, then {@code perMinute} a
 * minute. Buckets that are full again are forgotten, and at most {@code maxClients} are
 * kept (past that the fullest are dropped first), so the map stays small.
 */
public final class RateLimit {

	private final String name;

	private final double burst;

	private final double perNano;

	private final int maxClients;

	private final LongSupplier nanos;

	private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

	private final RejectionMetrics metrics;

	public RateLimit(String name, int burst, int perMinute, int maxClients, LongSupplier nanos,
			RejectionMetrics metrics) {
		this.name = name;
		this.burst = burst;
		this.perNano = perMinute / 60e9;
		this.maxClients = maxClients;
		this.nanos = nanos;
		this.metrics = metrics;
	}

	/** Throws 429 naming this limit when {@code client} has no try left (takes none). */
	public void check(String client) {
		Bucket b = this.buckets.get(client);
		if (b != null && b.tokens(this.nanos.getAsLong(), this.burst, this.perNano) < 1) {
			this.metrics.refused(this.name, "rate");
			throw new TooManyRequestsException(this.name,
					"Too many tries from your address; wait a few seconds and check the code on the presenter's screen.");
		}
	}

	/** Takes one try for {@code client}, or throws 429 naming this limit. */
	public void take(String client) {
		long now = this.nanos.getAsLong();
		boolean[] ok = { false };
		if (this.buckets.size() >= this.maxClients) {
			forgetFull(now);
		}
		this.buckets.compute(client, (k, b) -> {
			Bucket bucket = (b != null) ? b : new Bucket(this.burst, now);
			double tokens = bucket.tokens(now, this.burst, this.perNano);
			if (tokens >= 1) {
				tokens -= 1;
				ok[0] = true;
			}
			bucket.tokens = tokens;
			bucket.at = now;
			return bucket;
		});
		if (!ok[0]) {
			this.metrics.refused(this.name, "rate");
			throw new TooManyRequestsException(this.name,
					"Too many tries from your address; wait a few seconds and check the code on the presenter's screen.");
		}
	}

	private void forgetFull(long now) {
		this.buckets.entrySet().removeIf((e) -> e.getValue().tokens(now, this.burst, this.perNano) >= this.burst);
		if (this.buckets.size() >= this.maxClients) {
			this.buckets.clear();
		}
	}

	private static final class Bucket {

		double tokens;

		long at;

		Bucket(double tokens, long at) {
			this.tokens = tokens;
			this.at = at;
		}

		double tokens(long now, double burst, double perNano) {
			return Math.min(burst, this.tokens + (now - this.at) * perNano);
		}

	}

}
