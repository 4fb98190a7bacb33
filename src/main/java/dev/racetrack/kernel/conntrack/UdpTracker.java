package dev.racetrack.kernel.conntrack;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;

/**
 * The UDP tracker ({@code nf_conntrack_udp_packet}): 30 s until a reply is seen, then the
 * stream timeout and ASSURED. In 4.17 the first packet after the reply makes a stream
 * (180 s); on 6.x a flow must be more than two seconds old (120 s): d535c8a69c19 "udp:
 * only extend timeout to stream mode after 2s" sets {@code ct->proto.udp.stream_ts =
 * 2 * HZ + jiffies} on every packet while the entry is unconfirmed, so the two seconds
 * count from the flow's first packet, not from its first reply. Clash entries
 * ({@code IPS_NAT_CLASH}) never become ASSURED and keep their fixed timeout.
 */
final class UdpTracker {

	static final long UNREPLIED_NANOS = 30_000_000_000L;

	static final long STREAM_DELAY_NANOS = 2_000_000_000L;

	private UdpTracker() {
	}

	static void packet(Conntrack ct, KernelProfile profile, long nowNanos) {
		long stream = profile.udpStreamTimeoutSeconds() * 1_000_000_000L;
		if (profile.has(KernelBehaviour.UDP_STREAM_AFTER_TWO_SECONDS) && !ct.confirmed()) {
			ct.udpStreamNanos(nowNanos + STREAM_DELAY_NANOS);
		}
		if (!ct.has(IpsStatus.SEEN_REPLY)) {
			ct.refresh(UNREPLIED_NANOS, nowNanos);
			return;
		}
		boolean isStream = !profile.has(KernelBehaviour.UDP_STREAM_AFTER_TWO_SECONDS)
				|| (ct.udpStreamNanos() >= 0 && nowNanos > ct.udpStreamNanos());
		ct.refresh(isStream ? stream : UNREPLIED_NANOS, nowNanos);
		if (isStream && !ct.has(IpsStatus.NAT_CLASH)) {
			ct.set(IpsStatus.ASSURED);
		}
	}

}
