package dev.racetrack.sim;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.KernelProfile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When a connect is given up (src/docs/netfilter-races.md §6, [TCP-H][LINEAR]).
 */
class SynBackoffTests {

	/** The time from the first SYN to the connect's failure: every RTO armed. */
	static long giveUpNanos(KernelProfile profile) {
		long t = 0;
		for (int k = 0; k <= SynBackoff.retransmissions(profile); k++) {
			t += SynBackoff.rtoNanos(profile, k);
		}
		return t;
	}

	@Test
	@DisplayName("before 6.5: 6 retransmissions at 1, 3, 7, 15, 31, 63 s, given up at 127 s (tcp_syn_retries)")
	void doublingGivesUpAfterSixRetransmissions() {
		for (KernelProfile p : new KernelProfile[] { KernelProfile.V4_17, KernelProfile.V4_19_STABLE,
				KernelProfile.V5_6 }) {
			assertThat(SynBackoff.retransmissions(p)).as(p.id()).isEqualTo(6);
			assertThat(giveUpNanos(p)).as(p.id()).isEqualTo(127 * SynBackoff.SECOND);
		}
	}

	@Test
	@DisplayName("from 6.5: tcp_syn_retries + tcp_syn_linear_timeouts = 10 retransmissions at 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s, given up at ≈131 s")
	void linearGivesUpAfterTenRetransmissions() {
		KernelProfile p = KernelProfile.V6_X;
		assertThat(SynBackoff.retransmissions(p)).isEqualTo(10);
		long t = 0;
		long[] at = new long[10];
		for (int k = 0; k < 10; k++) {
			t += SynBackoff.rtoNanos(p, k);
			at[k] = t / SynBackoff.SECOND;
		}
		assertThat(at).containsExactly(1, 2, 3, 4, 5, 7, 11, 19, 35, 67);
		assertThat(giveUpNanos(p)).isEqualTo(131 * SynBackoff.SECOND);
	}

}
