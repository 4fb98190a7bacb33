package dev.racetrack.diagnose;

import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The Lab permalink that replays the most severe race found, with the node's kernel, SNAT
 * port allocation mode, resolver and number of DNS endpoints:
 * {@code /?scenario=…&kernel=…&mode=…&resolver=…&endpoints=…}.
 */
final class ReplayLink {

	/** The race scenarios, in the order that breaks ties of severity. */
	static final List<String> RACES = List.of(SnatPortRaceRule.ID, DnatRaceRules.RACE_1.id(), DnatRaceRules.RACE_2.id(),
			DnatRaceRules.RACE_3.id());

	/** The most DNS endpoints the Lab models. */
	static final int MAX_ENDPOINTS = 16;

	private ReplayLink() {
	}

	static String of(Facts facts, List<Finding> findings) {
		StringBuilder url = new StringBuilder("/?scenario=").append(scenario(findings));
		url.append("&kernel=").append(facts.profile().id());
		url.append("&mode=").append(mode(facts.nat()));
		url.append("&resolver=").append(facts.resolver().labResolver());
		int endpoints = facts.nat()
			.dnsService()
			.map(KubeService::endpointCount)
			.filter((count) -> count > 0)
			.orElseGet(() -> facts.extras().dnsEndpoints().map(NodeExtras.DnsEndpoints::count).orElse(0));
		if (endpoints > 0) {
			url.append("&endpoints=").append(Math.min(MAX_ENDPOINTS, endpoints));
		}
		return url.toString();
	}

	/**
	 * The race the most severe finding that replays one replays
	 * ({@link Finding#replays()}), ties broken by the order of {@link #RACES}; the SNAT
	 * port race when none does.
	 */
	static String scenario(List<Finding> findings) {
		return findings.stream()
			.filter((finding) -> finding.replays().isPresent())
			.min(Comparator.comparing(Finding::severity)
				.thenComparing((finding) -> RACES.indexOf(finding.replays().get())))
			.flatMap(Finding::replays)
			.orElse(SnatPortRaceRule.ID);
	}

	/**
	 * {@code default} when any outbound SNAT rule has no flag, else {@code random} when
	 * any has only {@code --random}, else {@code random-fully}; {@code default} without
	 * SNAT rules. Docker's hairpin masquerades are not outbound and do not count.
	 */
	static String mode(NatTable nat) {
		List<NatRule> rules = nat.outboundSourceNatRules();
		if (rules.isEmpty() || rules.stream().anyMatch((r) -> !r.random() && !r.randomFully())) {
			return "default";
		}
		return rules.stream().anyMatch((r) -> !r.randomFully()) ? "random" : "random-fully";
	}

	/** The values a replay link may carry, for tests. */
	static final Set<String> MODES = Set.of("default", "random", "random-fully");

}
