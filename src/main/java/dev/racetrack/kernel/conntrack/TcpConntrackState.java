package dev.racetrack.kernel.conntrack;

/**
 * The TCP conntrack states ({@code enum tcp_conntrack}) with their default timeouts
 * ({@code tcp_timeouts[]} in {@code nf_conntrack_proto_tcp.c}) and the names
 * {@code conntrack -L} prints.
 */
public enum TcpConntrackState {

	NONE(0), SYN_SENT(120), SYN_RECV(60), ESTABLISHED(432_000), FIN_WAIT(120), CLOSE_WAIT(60), LAST_ACK(30),
	TIME_WAIT(120), CLOSE(10), SYN_SENT2(120);

	private final long timeoutSeconds;

	TcpConntrackState(long timeoutSeconds) {
		this.timeoutSeconds = timeoutSeconds;
	}

	public long timeoutNanos() {
		return this.timeoutSeconds * 1_000_000_000L;
	}

	/**
	 * States that SNAT may evict on 6.x: TIME_WAIT and later ({@code nf_nat_may_kill}).
	 */
	public boolean evictable() {
		return this.compareTo(TIME_WAIT) >= 0;
	}

}
