package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Findings from the counters and the kernel log alone: a full table (the kernel log's
 * {@code nf_conntrack: table full, dropping packet}, {@code early_drop}, drops that no
 * insert race explains because {@code drop} exceeds {@code insert_failed},
 * {@code nf_conntrack_count} near {@code nf_conntrack_max}), inserts refused for
 * over-long hash chains ({@code chaintoolong}), the rise between two samples with the
 * connections or lookups it delays, and what {@code conntrack -L} showed. Critical only
 * for losses happening now (between two samples, or logged by the kernel); one cumulative
 * sample is a warning that asks for a second.
 */
final class CounterRules {

	static final String TABLE_FULL = "table-full";

	static final String RATES = "conntrack-rates";

	private CounterRules() {
	}

	static List<Finding> assess(Facts facts) {
		List<Finding> findings = new ArrayList<>();
		facts.rates().flatMap((rates) -> rates(facts, rates)).ifPresent(findings::add);
		tableFull(facts).ifPresent(findings::add);
		chainTooLong(facts).ifPresent(findings::add);
		singleSampleDrops(facts).ifPresent(findings::add);
		conntrackList(facts).ifPresent(findings::add);
		return findings;
	}

	private static Optional<Finding> tableFull(Facts facts) {
		long earlyDrop = facts.total(Counter.EARLY_DROP);
		long other = facts.otherDropsSinceBoot();
		OptionalLong max = facts.extras().number(NodeExtras.MAX);
		OptionalLong count = facts.extras().number(NodeExtras.COUNT);
		boolean nearlyFull = max.isPresent() && count.isPresent() && count.getAsLong() * 10 >= max.getAsLong() * 9;
		boolean now = facts.tableFullLogged() || facts.otherDropsNow() > 0
				|| facts.delta(Counter.EARLY_DROP).orElse(0) > 0;
		Optional<ConntrackAlert> alert = facts.extras().alert();
		boolean alerted = alert.map(ConntrackAlert::firing).orElse(false);
		if (!now && earlyDrop == 0 && other == 0 && !nearlyFull && !alerted) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>();
		if (facts.tableFullLogged()) {
			List<Integer> lines = facts.extras().tableFull();
			evidence.add("The kernel logged \"nf_conntrack: table full, dropping packet\" " + lines.size() + " time"
					+ ((lines.size() == 1) ? "" : "s") + " (line" + ((lines.size() == 1) ? " " : "s ") + lines.get(0)
					+ ((lines.size() > 1) ? "–" + lines.get(lines.size() - 1) : "") + "): each is a packet dropped.");
			if (facts.extras().suppressed() > 0) {
				evidence.add("Around " + ((lines.size() == 1) ? "it" : "them") + " the kernel's rate limit held back "
						+ String.format(java.util.Locale.ROOT, "%,d", facts.extras().suppressed())
						+ " more messages (\"net_ratelimit: … callbacks suppressed\"): by default it prints at most ten per five "
						+ "seconds, so far more packets were dropped than the lines show.");
			}
		}
		if (other > 0) {
			evidence.add("drop=" + facts.total(Counter.DROP) + " but insert_failed="
					+ facts.total(Counter.INSERT_FAILED) + ": an insert race always counts insert_failed, so " + other
					+ " drops are not the races: a " + "full table, or an entry that could not be allocated.");
		}
		if (facts.otherDropsNow() > 0) {
			evidence.add("Between the samples: drop +" + facts.delta(Counter.DROP).orElse(0) + ", insert_failed +"
					+ facts.delta(Counter.INSERT_FAILED).orElse(0) + ".");
		}
		evidence.addAll(facts.counterEvidence(List.of(Counter.EARLY_DROP, Counter.DROP, Counter.INSERT_FAILED)));
		facts.stats().entries().ifPresent((n) -> evidence.add("entries=" + n + " now."));
		boolean bootMax = facts.extras().bootTime().contains(NodeExtras.MAX);
		if (max.isPresent()) {
			evidence.add(
					"line " + facts.extras().sysctlLines().get(NodeExtras.MAX) + ": nf_conntrack_max=" + max.getAsLong()
							+ (bootMax ? " when nf_conntrack loaded (its load message; sysctl "
									+ "net.netfilter.nf_conntrack_max shows the value now)" : "")
							+ Optional.ofNullable(facts.extras().sysctlNotes().get(NodeExtras.MAX))
								.map((note) -> " (" + note + ")")
								.orElse("")
							+ (count.isPresent()
									? ", nf_conntrack_count=" + count.getAsLong() + " ("
											+ (count.getAsLong() * 100 / Math.max(1, max.getAsLong())) + " % full)"
									: "")
							+ ".");
		}
		alert.ifPresent((a) -> evidence.add(a.describe()));
		if (earlyDrop > 0) {
			evidence.add("early_drop counts entries evicted because the table reached nf_conntrack_max.");
		}
		String maxNow = max.isPresent() ? " (" + (bootMax ? "at boot " : "now ") + max.getAsLong() + ")" : "";
		String fix = "Raise net.netfilter.nf_conntrack_max" + maxNow
				+ " to fit the node's peak, and the hash size with it (nf_conntrack_buckets, or the hashsize module "
				+ "parameter); kube-proxy sets it from --conntrack-max-per-core (32768 per core by default).";
		String title = now ? "The conntrack table is full and drops packets now"
				: nearlyFull ? "The conntrack table is nearly full"
						: (earlyDrop == 0 && other == 0) ? "The conntrack table was nearly full when the alert fired"
								: "The conntrack table filled up earlier";
		List<String> mitigations = new ArrayList<>(List.of(fix,
				"Shorten the timeouts of idle entries, e.g. net.netfilter.nf_conntrack_tcp_timeout_time_wait "
						+ "and nf_conntrack_udp_timeout."));
		if (alert.isPresent() && !facts.statsRead()) {
			mitigations.add(alert.get().pasteNext());
		}
		else {
			mitigations.add("Take two conntrack -S samples a minute apart to see whether drop still rises.");
		}
		return Optional.of(new Finding(TABLE_FULL, now ? Severity.CRITICAL : Severity.WARNING, title, evidence,
				List.copyOf(mitigations)));
	}

	private static Optional<Finding> chainTooLong(Facts facts) {
		long chainTooLong = facts.total(Counter.CHAINTOOLONG);
		if (chainTooLong == 0) {
			return Optional.empty();
		}
		boolean now = facts.delta(Counter.CHAINTOOLONG).orElse(0) > 0;
		List<String> evidence = new ArrayList<>(
				facts.counterEvidence(List.of(Counter.CHAINTOOLONG, Counter.INSERT_FAILED, Counter.DROP)));
		evidence.add("Each chaintoolong is an insert refused because its hash chain was too long: insert_failed "
				+ "and drop rise with it.");
		return Optional.of(new Finding("chain-too-long", now ? Severity.CRITICAL : Severity.WARNING,
				"Inserts refused for over-long hash chains: chaintoolong=" + chainTooLong, evidence,
				List.of("Raise the conntrack hash size (nf_conntrack_buckets, or the hashsize module parameter).")));
	}

	/**
	 * One cumulative sample with drops: they may be old. Asks for a second sample,
	 * critical never.
	 */
	private static Optional<Finding> singleSampleDrops(Facts facts) {
		long unsplit = facts.unsplitDropsSinceBoot();
		long drops = facts.clashDropsSinceBoot() + unsplit;
		if (facts.twoSamples() || drops == 0) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>(facts.counterEvidence(List.of(Counter.INSERT_FAILED, Counter.DROP)));
		if (unsplit > 0) {
			evidence.add("insert_failed is not in the paste: a lost insert race counts both insert_failed and drop, "
					+ "a full table drop alone, so these drops cannot be told apart.");
		}
		long found = facts.total(Counter.FOUND) + facts.total(Counter.SEARCHED) + facts.total(Counter.IGNORE);
		if (found > 0) {
			evidence.add("For scale: " + String.format(Locale.ROOT, "%,d", found)
					+ " lookups (found, searched, ignore) were counted in the same time.");
		}
		evidence.add("These counters start at boot (or module load): one sample cannot say whether a drop happened "
				+ "a minute or a month ago.");
		return Optional.of(new Finding("drops-since-boot", Severity.WARNING,
				drops + ((unsplit > 0) ? " drop" : " clash drop") + ((drops == 1) ? "" : "s")
						+ " since the counters started: is it still happening?",
				evidence,
				(unsplit > 0)
						? List.of("Paste conntrack -S (with insert_failed), twice 60 s apart with the seconds between: "
								+ "the rise is the rate of delayed connections and lookups.")
						: List
							.of("Take conntrack -S again 60 s later and paste both (with the seconds between): the rise "
									+ "is the rate of delayed connections and lookups.")));
	}

	private static Optional<Finding> rates(Facts facts, CounterRates rates) {
		if (rates.deltas().isEmpty()) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>();
		if (rates.swapped()) {
			evidence.add("The second sample's counters are all lower than the first's: the samples were pasted in "
					+ "the wrong order (or the node rebooted in between). Read the other way round.");
		}
		for (String counter : CounterRates.COUNTERS) {
			rates.delta(counter)
				.ifPresent((delta) -> evidence.add(counter + ": +" + delta + " in " + rates.intervalSeconds() + " s = "
						+ perMinute(rates.perMinute(counter).orElse(0.0)) + " per minute (sum over CPUs)"));
		}
		double dropsPerMinute = facts.perMinute(facts.dropsNow());
		if (dropsPerMinute > 0) {
			evidence.add(affected(dropsPerMinute));
		}
		Severity severity = (dropsPerMinute > 0) ? Severity.CRITICAL : Severity.INFO;
		String title = (dropsPerMinute > 0)
				? "About " + perMinute(dropsPerMinute) + " connections or lookups delayed per minute"
				: "No packet lost between the two samples";
		return Optional.of(new Finding(RATES, severity, title, evidence,
				List.of("Apply the first fix, then take two samples again: drop should stay at 0 per minute.")));
	}

	private static Optional<Finding> conntrackList(Facts facts) {
		NodeExtras.ConntrackList list = facts.extras().conntrackList();
		if (list.entries() == 0) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>();
		evidence.add("conntrack -L from line " + list.firstLine() + ": " + list.entries() + " entr"
				+ ((list.entries() == 1) ? "y" : "ies") + " read"
				+ ((list.shown() >= 0) ? " (conntrack said " + list.shown() + " were shown)" : "") + ": " + String
					.join(", ", list.byState().entrySet().stream().map((e) -> e.getKey() + " " + e.getValue()).toList())
				+ ".");
		if (!list.topDestination().isEmpty()) {
			evidence.add("Most entries go to " + list.topDestination() + ".");
		}
		if (list.unrepliedDns() > 0) {
			evidence.add(list.unrepliedDns() + " UDP DNS entr" + ((list.unrepliedDns() == 1) ? "y has" : "ies have")
					+ " no reply yet ([UNREPLIED]): queries still waiting, or lost.");
		}
		evidence.add("Clash entries of 5.6 and later are hidden from conntrack -L; the counters (conntrack -S) show "
				+ "the races.");
		return Optional
			.of(new Finding("conntrack-entries", Severity.INFO, "conntrack -L: " + list.entries() + " entries read",
					evidence, List.of("Paste conntrack -S (twice, a minute apart) to see drops.")));
	}

	private static String affected(double dropsPerMinute) {
		String n = perMinute(dropsPerMinute);
		return "Each drop delays about one connection or lookup: " + n + " per minute. A TCP connect waits 1 s or "
				+ "more (SYN retransmit), a glibc lookup about 5 s, a musl lookup about 2.5 s.";
	}

	static String perMinute(double value) {
		return String.format(Locale.ROOT, (value >= 10 || value == Math.rint(value)) ? "%.0f" : "%.1f", value);
	}

}
