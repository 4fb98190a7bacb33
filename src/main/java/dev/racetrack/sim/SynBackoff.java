package dev.racetrack.sim;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;

/**
 * When a connecting TCP socket retransmits its SYN ({@code tcp_retransmit_timer}):
 * {@code TCP_TIMEOUT_INIT} = 1 s, doubling (retransmissions at 1, 3, 7, 15, 31, 63 s;
 * give up at 127 s with {@code tcp_syn_retries} = 6); from 6.5 the first RTOs stay at 1 s
 * ({@code tcp_syn_linear_timeouts} = 4: retransmissions at 1, 2, 3, 4, 5, 7 s)
 * [TCP-H][LINEAR].
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
public final class SynBackoff {

	/** {@code tcp_syn_retries}. */
	public static final int SYN_RETRIES = 6;

	/**
	 * How many times a SYN is retransmitted before the connect fails:
	 * {@code tcp_syn_retries} = 6 (the last at 63 s, given up at 127 s); from 6.5
	 * {@code tcp_syn_retries} + {@code tcp_syn_linear_timeouts} = 10 (the last at 67 s,
	 * given up at ≈131 s) [LINEAR].
	 */
	public static int retransmissions(KernelProfile profile) {
		return profile.has(KernelBehaviour.SYN_RETRIES_PLUS_LINEAR) ? SYN_RETRIES + LINEAR_TIMEOUTS : SYN_RETRIES;
	}

	/** {@code tcp_syn_linear_timeouts}. */
	public static final int LINEAR_TIMEOUTS = 4;

	static final long SECOND = 1_000_000_000L;

	private SynBackoff() {
	}

	/**
	 * The RTO armed after the SYN's {@code k}-th transmission (k = 0 for the first SYN).
	 */
	public static long rtoNanos(KernelProfile profile, int k) {
		if (profile.has(KernelBehaviour.LINEAR_SYN_BACKOFF)) {
			return (k <= LINEAR_TIMEOUTS) ? SECOND : SECOND << (k - LINEAR_TIMEOUTS);
		}
		return SECOND << k;
	}

}
