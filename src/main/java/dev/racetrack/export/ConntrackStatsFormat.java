package dev.racetrack.export;

import java.util.List;
import java.util.Locale;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;

/**
 * The text of {@code conntrack -S}: conntrack-tools' {@code nfct_stats_cb}
 * (src/conntrack.c) prints one line per CPU, {@code "cpu=%-4u\t"} and then
 * {@code "%s=%u "} for every {@code CTA_STATS_*} attribute present in the kernel's
 * message, in attribute-type order, then a newline (so each line ends in a blank before
 * the newline).
 *
 * <p>
 * Which attributes a kernel sends comes from {@code ctnetlink_ct_stat_cpu_fill_info}
 * (net/netfilter/nf_conntrack_netlink.c):
 * <ul>
 * <li>4.17 to 5.9: found, invalid, ignore, insert, insert_failed, drop, early_drop,
 * error, search_restart;</li>
 * <li>5.10 and later: {@code ignore} removed ("netfilter: conntrack: remove ignore
 * stats") and {@code clash_resolve} added ("netfilter: conntrack: add clash resolution
 * stat counter"), both nf-next August 2020; {@code chaintoolong} added by the 2021
 * chain-length limit.</li>
 * </ul>
 * The attribute types ({@code enum ctattr_stats_cpu}) are in that same order, so the
 * order sent and the order printed agree.
 */
public final class ConntrackStatsFormat {

	private static final List<Counter> UNTIL_5_9 = List.of(Counter.FOUND, Counter.INVALID, Counter.IGNORE,
			Counter.INSERT, Counter.INSERT_FAILED, Counter.DROP, Counter.EARLY_DROP, Counter.ERROR,
			Counter.SEARCH_RESTART);

	private static final List<Counter> FROM_5_10 = List.of(Counter.FOUND, Counter.INVALID, Counter.INSERT,
			Counter.INSERT_FAILED, Counter.DROP, Counter.EARLY_DROP, Counter.ERROR, Counter.SEARCH_RESTART,
			Counter.CLASH_RESOLVE);

	private static final List<Counter> WITH_CHAINTOOLONG = List.of(Counter.FOUND, Counter.INVALID, Counter.INSERT,
			Counter.INSERT_FAILED, Counter.DROP, Counter.EARLY_DROP, Counter.ERROR, Counter.SEARCH_RESTART,
			Counter.CLASH_RESOLVE, Counter.CHAINTOOLONG);

	private ConntrackStatsFormat() {
	}

	/** The whole stdout of {@code conntrack -S}: one line per CPU. */
	public static String format(KernelProfile profile, ConntrackStats stats) {
		List<Counter> sent = attributes(profile);
		StringBuilder sb = new StringBuilder();
		for (int cpu = 0; cpu < stats.cpus(); cpu++) {
			sb.append(String.format(Locale.ROOT, "cpu=%-4d\t", cpu));
			for (Counter counter : sent) {
				sb.append(counter.label()).append('=').append(u32(stats.get(cpu, counter))).append(' ');
			}
			sb.append('\n');
		}
		return sb.toString();
	}

	/** The counters a kernel sends in each per-CPU message, in attribute order. */
	public static List<Counter> attributes(KernelProfile profile) {
		if (!profile.has(KernelBehaviour.CLASH_RESOLVE_COUNTER)) {
			return UNTIL_5_9;
		}
		return profile.has(KernelBehaviour.CHAIN_TOO_LONG) ? WITH_CHAINTOOLONG : FROM_5_10;
	}

	/** The kernel's counters are {@code unsigned int}: they wrap at 2^32. */
	static long u32(long value) {
		return value & 0xffff_ffffL;
	}

}
