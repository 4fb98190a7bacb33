package dev.racetrack.sim;

import dev.racetrack.sim.Views.FlowView;

/**
 * One client flow: a TCP connection attempt or a DNS lookup, with its outcome and
 * latency.
 */
public final class Flow {

	/** What kind of flow. */
	public enum Kind {

		TCP_CONNECT("tcp-connect"), DNS_LOOKUP("dns-lookup");

		private final String id;

		Kind(String id) {
			this.id = id;
		}

		public String id() {
			return this.id;
		}

	}

	/** How it ended. */
	public enum Outcome {

		PENDING("pending"), OK("ok"), RETRIED("retried"), FAILED("failed");

		private final String id;

		Outcome(String id) {
			this.id = id;
		}

		public String id() {
			return this.id;
		}

	}

	private final String id;

	private final String pod;

	private final Kind kind;

	private final long start;

	private final String detail;

	private Outcome outcome = Outcome.PENDING;

	private long latencyNanos = -1;

	private int retransmits;

	Flow(String id, String pod, Kind kind, long start, String detail) {
		this.id = id;
		this.pod = pod;
		this.kind = kind;
		this.start = start;
		this.detail = detail;
	}

	public String id() {
		return this.id;
	}

	public String pod() {
		return this.pod;
	}

	public Kind kind() {
		return this.kind;
	}

	public long start() {
		return this.start;
	}

	public Outcome outcome() {
		return this.outcome;
	}

	public long latencyNanos() {
		return this.latencyNanos;
	}

	public int retransmits() {
		return this.retransmits;
	}

	public boolean done() {
		return this.outcome != Outcome.PENDING;
	}

	void retransmitted() {
		this.retransmits++;
	}

	void finish(boolean ok, long nowNanos) {
		if (done()) {
			return;
		}
		this.latencyNanos = nowNanos - this.start;
		this.outcome = !ok ? Outcome.FAILED : (this.retransmits > 0) ? Outcome.RETRIED : Outcome.OK;
	}

	public FlowView view() {
		return new FlowView(this.id, this.pod, this.kind.id(), this.outcome.id(), this.start, this.latencyNanos,
				this.retransmits, this.detail);
	}

}
