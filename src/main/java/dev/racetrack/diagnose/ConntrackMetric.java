package dev.racetrack.diagnose;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One sample line of the Prometheus text format that carries a conntrack fact, as
 * engineers paste it from {@code /metrics}, the Prometheus console or an alert:
 * <ul>
 * <li>node_exporter's conntrack collector ({@code collector/conntrack_linux.go}):
 * {@code node_nf_conntrack_entries} ({@code nf_conntrack_count}),
 * {@code node_nf_conntrack_entries_limit} ({@code nf_conntrack_max}) and
 * {@code node_nf_conntrack_stat_<counter>}, each counter summed over the CPUs of
 * {@code /proc/net/stat/nf_conntrack} (procfs {@code net_conntrackstat.go});</li>
 * <li>conntrack-stats-exporter (jwkohnen): {@code conntrack_stats_<counter>} per CPU
 * ({@code cpu="N"}) and network namespace ({@code netns=""} the root), read from
 * {@code conntrack -S}; {@code conntrack_stats_count} and
 * {@code conntrack_stats_max}.</li>
 * </ul>
 * Values are Go's shortest float form ({@code 44}, {@code 1.048576e+06}). Any other label
 * ({@code instance}, {@code job}, {@code netns}) names the series: a paste of several
 * nodes or namespaces holds several series, and only the first is read.
 *
 * @param name the counter as {@code conntrack -S} names it ({@link Counter}), or
 * {@link NodeExtras#COUNT} / {@link NodeExtras#MAX} for the table's size
 * @param cpu the {@code cpu} label, or -1 when the exporter summed the CPUs
 * @param series the other labels, as pasted ({@code ""} when none)
 * @param value the sample's value
 */
record ConntrackMetric(String name, int cpu, String series, long value) {

	/**
	 * {@code name{labels} value [timestamp]}: no repeated group over the labels, which
	 * are taken apart by {@link #LABEL} afterwards.
	 */
	private static final Pattern SAMPLE = Pattern
		.compile("([a-z_]{1,80})(?:\\{([^{}]{0,2000})\\})?[ \\t]{1,40}(\\d{1,20}(?:\\.\\d{1,20})?(?:[eE][+]?\\d{1,3})?)"
				+ "(?:[ \\t]{1,40}\\d{1,20})?");

	private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]\\w{0,60})=\"([^\"]{0,300})\"");

	private static final String NODE_STAT = "node_nf_conntrack_stat_";

	private static final String EXPORTER = "conntrack_stats_";

	/** Whether a sample is the table's size ({@code nf_conntrack_count} or max). */
	boolean tableSize() {
		return this.name.equals(NodeExtras.COUNT) || this.name.equals(NodeExtras.MAX);
	}

	/** Reads one line; empty when it is not a sample of a known conntrack metric. */
	static Optional<ConntrackMetric> parse(String line) {
		if (line.length() > 2400) {
			return Optional.empty();
		}
		Matcher sample = SAMPLE.matcher(line.strip());
		if (!sample.matches()) {
			return Optional.empty();
		}
		String name = counterName(sample.group(1));
		if (name == null) {
			return Optional.empty();
		}
		double value;
		try {
			value = Double.parseDouble(sample.group(3));
		}
		catch (NumberFormatException ex) {
			return Optional.empty();
		}
		if (!(value >= 0 && value < 9.0e18) || value != Math.rint(value)) {
			return Optional.empty();
		}
		int cpu = -1;
		StringBuilder series = new StringBuilder();
		if (sample.group(2) != null) {
			Matcher label = LABEL.matcher(sample.group(2));
			while (label.find()) {
				if (label.group(1).equals("cpu") && label.group(2).matches("\\d{1,5}")) {
					cpu = Integer.parseInt(label.group(2));
				}
				else {
					series.append((series.length() == 0) ? "" : ",")
						.append(label.group(1))
						.append("=\"")
						.append(label.group(2))
						.append('"');
				}
			}
		}
		return Optional.of(new ConntrackMetric(name, cpu, series.toString(), (long) value));
	}

	/** The counter (or table size key) a metric name stands for, or {@code null}. */
	private static String counterName(String metric) {
		if (metric.equals("node_nf_conntrack_entries") || metric.equals(EXPORTER + "count")) {
			return NodeExtras.COUNT;
		}
		if (metric.equals("node_nf_conntrack_entries_limit") || metric.equals(EXPORTER + "max")) {
			return NodeExtras.MAX;
		}
		String counter = null;
		if (metric.startsWith(NODE_STAT)) {
			counter = metric.substring(NODE_STAT.length());
		}
		else if (metric.startsWith(EXPORTER)) {
			counter = metric.substring(EXPORTER.length());
		}
		return (counter != null && COUNTERS.contains(counter)) ? counter : null;
	}

	private static final java.util.Set<String> COUNTERS = java.util.Set.of(Counter.FOUND, Counter.INVALID,
			Counter.IGNORE, Counter.INSERT, Counter.INSERT_FAILED, Counter.DROP, Counter.EARLY_DROP, Counter.ERROR,
			Counter.SEARCH_RESTART, Counter.CLASH_RESOLVE, Counter.CHAINTOOLONG);

}
