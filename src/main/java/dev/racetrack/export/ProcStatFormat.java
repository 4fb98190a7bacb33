package dev.racetrack.export;

import java.util.Locale;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;

/**
 * The text of {@code /proc/net/stat/nf_conntrack}: {@code ct_cpu_seq_show}
 * (net/netfilter/nf_conntrack_standalone.c) prints a header, then for each possible CPU
 * 17 fields in {@code %08x} hex, with two blanks after {@code entries} and two before
 * {@code expect_new}, as in its format string
 * {@code "%08x  %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x  %08x %08x %08x %08x\n"}.
 * {@code entries} is the namespace's entry count ({@code nf_conntrack_count}), the same
 * on every line.
 *
 * <p>
 * Two eras:
 * <ul>
 * <li>Before 5.10 the header starts {@code entries  searched} and has
 * {@code delete_list}; {@code searched}, {@code new}, {@code delete} and
 * {@code delete_list} are printed as 0 (those statistics had been removed) and
 * {@code ignore} is {@code st->ignore}.</li>
 * <li>From 5.10 the second column is {@code clashres} ({@code st->clash_resolve}) and
 * {@code ignore} is 0 ("netfilter: conntrack: remove ignore stats"); since the 2021
 * chain-length limit the eighth column is {@code chainlength}
 * ({@code st->chaintoolong}).</li>
 * </ul>
 * {@code icmp_error} is {@code st->error}. The expectation counters are 0: the model has
 * no helpers.
 */
public final class ProcStatFormat {

	/** The header before 5.10. */
	public static final String HEADER_UNTIL_5_9 = "entries  searched found new invalid ignore delete delete_list insert "
			+ "insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart";

	/** The header of 5.10 to 5.14 (clash_resolve, before the chain-length limit). */
	public static final String HEADER_5_10 = "entries  clashres found new invalid ignore delete delete_list insert "
			+ "insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart";

	/** The header of 6.x. */
	public static final String HEADER_6 = "entries  clashres found new invalid ignore delete chainlength insert "
			+ "insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart";

	private static final String ROW = "%08x  %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x  %08x %08x %08x %08x\n";

	private ProcStatFormat() {
	}

	/**
	 * The whole file.
	 * @param profile the kernel
	 * @param stats the per-CPU statistics
	 * @param entries {@code nf_conntrack_count}: confirmed and unconfirmed entries
	 */
	public static String format(KernelProfile profile, ConntrackStats stats, int entries) {
		StringBuilder sb = new StringBuilder(header(profile)).append('\n');
		for (int cpu = 0; cpu < stats.cpus(); cpu++) {
			sb.append(row(profile, stats, cpu, entries));
		}
		return sb.toString();
	}

	/** The header line of a kernel, without the newline. */
	public static String header(KernelProfile profile) {
		if (!profile.has(KernelBehaviour.CLASH_RESOLVE_COUNTER)) {
			return HEADER_UNTIL_5_9;
		}
		return profile.has(KernelBehaviour.CHAIN_TOO_LONG) ? HEADER_6 : HEADER_5_10;
	}

	private static String row(KernelProfile profile, ConntrackStats stats, int cpu, int entries) {
		boolean newEra = profile.has(KernelBehaviour.CLASH_RESOLVE_COUNTER);
		long second = newEra ? stats.get(cpu, Counter.CLASH_RESOLVE) : 0;
		long ignore = newEra ? 0 : stats.get(cpu, Counter.IGNORE);
		long eighth = profile.has(KernelBehaviour.CHAIN_TOO_LONG) ? stats.get(cpu, Counter.CHAINTOOLONG) : 0;
		long[] fields = { entries, second, stats.get(cpu, Counter.FOUND), 0, stats.get(cpu, Counter.INVALID), ignore, 0,
				eighth, stats.get(cpu, Counter.INSERT), stats.get(cpu, Counter.INSERT_FAILED),
				stats.get(cpu, Counter.DROP), stats.get(cpu, Counter.EARLY_DROP), stats.get(cpu, Counter.ERROR), 0, 0,
				0, stats.get(cpu, Counter.SEARCH_RESTART) };
		Object[] args = new Object[fields.length];
		for (int i = 0; i < fields.length; i++) {
			args[i] = ConntrackStatsFormat.u32(fields[i]);
		}
		return String.format(Locale.ROOT, ROW, args);
	}

}
