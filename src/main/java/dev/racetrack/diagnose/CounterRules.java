package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Findings from the counters alone: a table that filled up ({@code early_drop}), inserts
 * refused for over-long hash chains ({@code chaintoolong}), and the per-minute rates of
 * two samples with the connections or lookups they delay.
 */
final class CounterRules {

	private CounterRules() {
	}

	static List<Finding> assess(Facts facts) {
		List<Finding> findings = new ArrayList<>();
		facts.rates().flatMap((rates) -> rates(facts, rates)).ifPresent(findings::add);
		tableFull(facts).ifPresent(findings::add);
		chainTooLong(facts).ifPresent(findings::add);
		return findings;
	}

	private static Optional<Finding> tableFull(Facts facts) {
		long earlyDrop = facts.total(Counter.EARLY_DROP);
		if (earlyDrop == 0) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>(facts.counterEvidence(List.of(Counter.EARLY_DROP, Counter.DROP)));
		facts.stats().entries().ifPresent((n) -> evidence.add("entries=" + n + " now."));
		evidence.add("early_drop counts entries evicted because the table reached nf_conntrack_max; when nothing "
				+ "can be evicted the packet is dropped (dmesg: \"nf_conntrack: table full, dropping packet\").");
		return Optional.of(new Finding("table-full", Severity.WARNING,
				"The conntrack table filled up: " + earlyDrop + " entries evicted early", evidence,
				List.of("Raise net.netfilter.nf_conntrack_max (and the hash size, nf_conntrack_buckets) to fit the "
						+ "node's peak.",
						"Shorten the timeouts of idle entries, e.g. "
								+ "net.netfilter.nf_conntrack_udp_timeout and nf_conntrack_tcp_timeout_time_wait.",
						"Check dmesg for \"table full, dropping packet\" to see whether packets were lost.")));
	}

	private static Optional<Finding> chainTooLong(Facts facts) {
		long chainTooLong = facts.total(Counter.CHAINTOOLONG);
		if (chainTooLong == 0) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>(
				facts.counterEvidence(List.of(Counter.CHAINTOOLONG, Counter.INSERT_FAILED, Counter.DROP)));
		evidence.add("Each chaintoolong is an insert refused because its hash chain was too long: insert_failed "
				+ "and drop rise with it.");
		return Optional.of(new Finding("chain-too-long", Severity.CRITICAL,
				"Inserts refused for over-long hash chains: chaintoolong=" + chainTooLong, evidence,
				List.of("Raise the conntrack hash size (nf_conntrack_buckets, or the hashsize module parameter).")));
	}

	private static Optional<Finding> rates(Facts facts, CounterRates rates) {
		if (rates.deltas().isEmpty()) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>();
		for (String counter : CounterRates.COUNTERS) {
			rates.delta(counter)
				.ifPresent((delta) -> evidence.add(counter + ": +" + delta + " in " + rates.intervalSeconds() + " s = "
						+ perMinute(rates.perMinute(counter).orElse(0.0)) + " per minute (sum over CPUs)"));
		}
		double dropsPerMinute = rates.perMinute(Counter.DROP).orElse(0.0);
		if (dropsPerMinute > 0) {
			evidence.add(affected(dropsPerMinute));
		}
		Severity severity = (dropsPerMinute > 0) ? Severity.CRITICAL : Severity.INFO;
		String title = (dropsPerMinute > 0)
				? "About " + perMinute(dropsPerMinute) + " connections or lookups delayed per minute"
				: "No packet lost between the two samples";
		return Optional.of(new Finding("conntrack-rates", severity, title, evidence,
				List.of("Apply the fixes of the findings above, then take two samples again: drop should stay at 0 "
						+ "per minute.")));
	}

	private static String affected(double dropsPerMinute) {
		String n = perMinute(dropsPerMinute);
		return "Each drop delays about one connection or lookup: " + n + " per minute. A TCP connect waits 1 s or "
				+ "more (SYN retransmit), a glibc lookup about 5 s, a musl lookup about 2.5 s: up to "
				+ perMinute(dropsPerMinute * 5) + " s of lookup stall per minute if all were glibc DNS.";
	}

	static String perMinute(double value) {
		return String.format(Locale.ROOT, (value >= 10 || value == Math.rint(value)) ? "%.0f" : "%.1f", value);
	}

}
