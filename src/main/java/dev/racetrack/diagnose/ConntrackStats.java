package dev.racetrack.diagnose;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Conntrack statistics read from {@code conntrack -S} or
 * {@code /proc/net/stat/nf_conntrack}: one {@link CpuCounters} per CPU, or a summary
 * without CPUs, and the lines that could not be read.
 *
 * @param format which output was recognised
 * @param cpus the per-CPU counters, in the order pasted
 * @param summary counters from lines without a CPU, e.g. {@code entries 123}
 * @param problems the lines not read, or read only in part
 * @param firstCpuOnly the summary form that conntrack-tools prints from
 * {@code /proc/net/stat/nf_conntrack} when it may not ask the kernel (not root): one name
 * and value a line, the first CPU's row only, so node totals are at least these
 */
public record ConntrackStats(Format format, List<CpuCounters> cpus, Map<String, Long> summary,
		List<LineProblem> problems, boolean firstCpuOnly) {

	/** The output a text was recognised as. */
	public enum Format {

		/** Nothing readable. */
		NONE("nothing readable"),

		/** {@code conntrack -S}: {@code cpu=N name=value …} per CPU. */
		CONNTRACK_S("conntrack -S"),

		/** {@code /proc/net/stat/nf_conntrack}, {@code searched} header (before 5.10). */
		PROC_OLD("/proc/net/stat/nf_conntrack (header before 5.10)"),

		/**
		 * {@code /proc/net/stat/nf_conntrack}, {@code clashres} header (5.10 and later).
		 */
		PROC_NEW("/proc/net/stat/nf_conntrack (header of 5.10 and later)"),

		/** {@code /proc/net/stat/nf_conntrack} without its header line. */
		PROC_NO_HEADER("/proc/net/stat/nf_conntrack (no header)"),

		/** Only summary lines such as {@code entries 123}. */
		SUMMARY("conntrack -S summary"),

		/**
		 * Prometheus samples: node_exporter's {@code node_nf_conntrack_stat_*} (summed
		 * over CPUs) or conntrack-stats-exporter's {@code conntrack_stats_*} (per CPU).
		 */
		METRICS("Prometheus metrics");

		private final String title;

		Format(String title) {
			this.title = title;
		}

		public String title() {
			return this.title;
		}

	}

	/** Statistics that are the node's own totals or CPUs. */
	public ConntrackStats(Format format, List<CpuCounters> cpus, Map<String, Long> summary,
			List<LineProblem> problems) {
		this(format, cpus, summary, problems, false);
	}

	public ConntrackStats {
		cpus = List.copyOf(cpus);
		summary = Collections.unmodifiableMap(new LinkedHashMap<>(summary));
		problems = List.copyOf(problems);
	}

	/** Statistics of an empty text. */
	public static ConntrackStats empty() {
		return new ConntrackStats(Format.NONE, List.of(), Map.of(), List.of());
	}

	/** Whether any counter was read. */
	public boolean readable() {
		return !this.cpus.isEmpty() || this.summary.keySet().stream().anyMatch((name) -> !Counter.ENTRIES.equals(name));
	}

	/** Whether any CPU line, or the summary, has this counter. */
	public boolean has(String counter) {
		return this.cpus.stream().anyMatch((cpu) -> cpu.has(counter)) || this.summary.containsKey(counter);
	}

	/**
	 * The sum of a counter over all CPUs, or its summary value when there are no CPUs.
	 */
	public long total(String counter) {
		if (this.cpus.isEmpty()) {
			return this.summary.getOrDefault(counter, 0L);
		}
		return this.cpus.stream().mapToLong((cpu) -> cpu.get(counter)).sum();
	}

	/** The number of entries in the table, when it was printed. */
	public OptionalLong entries() {
		if (this.summary.containsKey(Counter.ENTRIES)) {
			return OptionalLong.of(this.summary.get(Counter.ENTRIES));
		}
		return this.cpus.stream()
			.filter((cpu) -> cpu.has(Counter.ENTRIES))
			.mapToLong((cpu) -> cpu.get(Counter.ENTRIES))
			.findFirst();
	}

	/** The CPU with this number, if it was read. */
	public Optional<CpuCounters> cpu(int number) {
		return this.cpus.stream().filter((cpu) -> cpu.cpu() == number).findFirst();
	}

	/**
	 * What the counter set says about the kernel: {@code true} when it has
	 * {@code clash_resolve} (5.10 and later), {@code false} when it has {@code ignore} or
	 * {@code searched} (before 5.10), empty when it cannot tell.
	 */
	public Optional<Boolean> fromKernel510OrLater() {
		if (has(Counter.CLASH_RESOLVE) || this.format == Format.PROC_NEW) {
			return Optional.of(true);
		}
		if ((this.format == Format.CONNTRACK_S && has(Counter.IGNORE)) || this.format == Format.PROC_OLD) {
			return Optional.of(false);
		}
		return Optional.empty();
	}

}
