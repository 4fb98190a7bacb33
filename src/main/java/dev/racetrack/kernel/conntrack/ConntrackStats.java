package dev.racetrack.kernel.conntrack;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-CPU conntrack statistics ({@code struct ip_conntrack_stat}), the numbers behind
 * {@code conntrack -S} and {@code /proc/net/stat/nf_conntrack}.
 */
public final class ConntrackStats {

	/** One statistic, in the order the kernel's netlink dump sends them. */
	public enum Counter {

		FOUND("found"), INVALID("invalid"), IGNORE("ignore"), INSERT("insert"), INSERT_FAILED("insert_failed"),
		DROP("drop"), EARLY_DROP("early_drop"), ERROR("error"), SEARCH_RESTART("search_restart"),
		CLASH_RESOLVE("clash_resolve"), CHAINTOOLONG("chaintoolong");

		private final String label;

		Counter(String label) {
			this.label = label;
		}

		/** The name {@code conntrack -S} prints. */
		public String label() {
			return this.label;
		}

	}

	private final long[][] values;

	public ConntrackStats(int cpus) {
		if (cpus < 1) {
			throw new IllegalArgumentException("at least one CPU");
		}
		this.values = new long[cpus][Counter.values().length];
	}

	public int cpus() {
		return this.values.length;
	}

	/** {@code NF_CT_STAT_INC}. */
	public void inc(int cpu, Counter counter) {
		this.values[cpu][counter.ordinal()]++;
	}

	public long get(int cpu, Counter counter) {
		return this.values[cpu][counter.ordinal()];
	}

	/** The sum over all CPUs. */
	public long total(Counter counter) {
		long sum = 0;
		for (long[] cpu : this.values) {
			sum += cpu[counter.ordinal()];
		}
		return sum;
	}

	/** Every counter of one CPU, by label, in netlink order. */
	public Map<String, Long> ofCpu(int cpu) {
		Map<String, Long> map = new LinkedHashMap<>();
		for (Counter c : Counter.values()) {
			map.put(c.label(), this.values[cpu][c.ordinal()]);
		}
		return Collections.unmodifiableMap(map);
	}

	/** The totals, by label, in netlink order. */
	public Map<String, Long> totals() {
		Map<String, Long> map = new LinkedHashMap<>();
		for (Counter c : Counter.values()) {
			map.put(c.label(), total(c));
		}
		return Collections.unmodifiableMap(map);
	}

	/** Every CPU's counters, by label. */
	public List<Map<String, Long>> perCpu() {
		List<Map<String, Long>> list = new ArrayList<>(this.values.length);
		for (int cpu = 0; cpu < this.values.length; cpu++) {
			list.add(ofCpu(cpu));
		}
		return Collections.unmodifiableList(list);
	}

}
