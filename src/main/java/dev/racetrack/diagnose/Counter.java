package dev.racetrack.diagnose;

import java.util.Map;

/**
 * The names of the conntrack statistics, as {@code conntrack -S} prints them
 * ({@code nf_conntrack_netlink.c}, {@code CTA_STATS_*}). The columns of
 * {@code /proc/net/stat/nf_conntrack} ({@code ct_cpu_seq_show} in
 * {@code nf_conntrack_standalone.c}) are renamed to these where they differ.
 */
public final class Counter {

	public static final String ENTRIES = "entries";

	public static final String SEARCHED = "searched";

	public static final String FOUND = "found";

	public static final String INVALID = "invalid";

	public static final String IGNORE = "ignore";

	public static final String INSERT = "insert";

	public static final String INSERT_FAILED = "insert_failed";

	public static final String DROP = "drop";

	public static final String EARLY_DROP = "early_drop";

	public static final String ERROR = "error";

	public static final String SEARCH_RESTART = "search_restart";

	/** Resolved clashes, 5.10 and later. */
	public static final String CLASH_RESOLVE = "clash_resolve";

	/** Inserts refused because a hash chain was too long, 2021 and later. */
	public static final String CHAINTOOLONG = "chaintoolong";

	/** /proc column names that {@code conntrack -S} spells differently. */
	static final Map<String, String> PROC_COLUMNS = Map.of("clashres", CLASH_RESOLVE, "chainlength", CHAINTOOLONG,
			"icmp_error", ERROR);

	private Counter() {
	}

	/** The {@code conntrack -S} name of a /proc column. */
	static String fromProcColumn(String column) {
		return PROC_COLUMNS.getOrDefault(column, column);
	}

}
