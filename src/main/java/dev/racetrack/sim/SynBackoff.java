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
