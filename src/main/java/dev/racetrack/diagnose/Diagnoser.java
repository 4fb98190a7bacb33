package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Diagnoses a node from its own output: parses each pasted text, reads the kernel as the
 * nearest modelled profile, then asks each rule what it finds. Pure: the same sample
 * always gives the same diagnosis, and no input makes it throw.
 */
public final class Diagnoser {

	/** The order of findings of the same severity. */
	static final List<String> ORDER = List.of(SnatPortRaceRule.ID, "dnat-race-1", "dnat-race-2", "dnat-race-3",
			"conntrack-rates", "chain-too-long", "table-full", "resolver-options", "ndots-amplification",
			KernelRule.ID);

	public Diagnosis diagnose(NodeSample sample) {
		ConntrackStats stats = ConntrackStatsParser.parse(sample.conntrackStats());
		NatTable nat = IptablesParser.parse(sample.iptables());
		UnameParser.Result uname = UnameParser.parse(sample.uname());
		ResolverConfig resolver = ResolvConfParser.parse(sample.resolvConf());
		ConntrackStats later = ConntrackStatsParser.parse(sample.conntrackStatsLater());
		Optional<CounterRates> rates = sample.hasRates()
				? Optional.of(CounterRates.compare(stats, later, sample.intervalSeconds())) : Optional.empty();
		KernelMatch kernel = KernelProfiles.match(uname.version(), stats);
		Facts facts = new Facts(kernel, stats, nat, resolver, rates);
		List<Finding> findings = findings(facts, NodeSample.given(sample.uname()));
		List<UnreadLine> unread = new ArrayList<>();
		add(unread, NodeSample.CONNTRACK_STATS, stats.problems());
		add(unread, NodeSample.IPTABLES, nat.problems());
		add(unread, NodeSample.UNAME, uname.problems());
		add(unread, NodeSample.RESOLV_CONF, resolver.problems());
		add(unread, NodeSample.CONNTRACK_STATS_LATER, later.problems());
		rates.ifPresent((r) -> unread.addAll(r.mismatches()));
		return new Diagnosis(kernel, findings, unread, ReplayLink.of(facts, findings));
	}

	private static List<Finding> findings(Facts facts, boolean unameGiven) {
		List<Finding> findings = new ArrayList<>();
		SnatPortRaceRule.assess(facts).ifPresent(findings::add);
		findings.addAll(DnatRaceRules.assess(facts));
		findings.addAll(CounterRules.assess(facts));
		findings.addAll(ResolverRules.assess(facts));
		KernelRule.assess(facts, unameGiven).ifPresent(findings::add);
		findings.sort(Comparator.comparing(Finding::severity).thenComparing((f) -> ORDER.indexOf(f.id())));
		return findings;
	}

	private static void add(List<UnreadLine> unread, String field, List<LineProblem> problems) {
		problems.forEach((problem) -> unread.add(UnreadLine.of(field, problem)));
	}

}
