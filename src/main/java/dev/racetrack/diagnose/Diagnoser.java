package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.racetrack.diagnose.PasteReader.Disposition;

/**
 * Diagnoses a node from its own output: sorts each pasted text by output
 * ({@link PasteReader}), parses each output, reads the kernel with its distribution's
 * backports, asks each rule what it finds, and says the verdict in one line
 * ({@link VerdictRule}). Pure: the same sample always gives the same diagnosis, and no
 * input makes it throw.
 */
public final class Diagnoser {

	/** The order of findings of the same severity. */
	static final List<String> ORDER = List.of(CounterRules.RATES, CounterRules.TABLE_FULL, DnsServiceRule.ID,
			DnsServiceRule.BEHIND_ID, DnsServiceRule.LOCAL_DROP_ID, CiliumRule.ID, SnatPortRaceRule.ID, "dnat-race-1",
			"dnat-race-2", "dnat-race-3", DnatRaceRules.RACE_3_RULED_OUT, CaptureRules.DNS_LOST,
			CaptureRules.SYN_RESENT, CaptureRules.DNS_UNANSWERED, CaptureRules.UNTIMED, CaptureRules.CLEAN,
			SymptomRules.LOOKUP_RETRY, SymptomRules.CONNECT_RETRY, SymptomRules.NO_ANSWER,
			SymptomRules.UPSTREAM_TIMEOUT, SymptomRules.TIMED, "drops-since-boot", "chain-too-long", "second-sample",
			"resolver-options", "ndots-amplification", "conntrack-entries", SustainedEstimate.ID, KernelRule.ID);

	/** The inputs, in the order they are read and cited. */
	static final List<String> FIELDS = List.of(NodeSample.PASTE, NodeSample.CONNTRACK_STATS, NodeSample.IPTABLES,
			NodeSample.UNAME, NodeSample.RESOLV_CONF, NodeSample.CONNTRACK_STATS_LATER);

	/** What each box is for, in the reason given for a line of prose pasted into it. */
	static final Map<String, String> BOX_FORMATS = Map.of(NodeSample.CONNTRACK_STATS,
			"conntrack -S or /proc/net/stat/nf_conntrack", NodeSample.IPTABLES,
			"the nat table (iptables-save, iptables -S, iptables -L, nft list ruleset)", NodeSample.UNAME,
			"uname -r, uname -a or /proc/version", NodeSample.RESOLV_CONF, "/etc/resolv.conf",
			NodeSample.CONNTRACK_STATS_LATER, "conntrack -S or /proc/net/stat/nf_conntrack");

	public Diagnosis diagnose(NodeSample sample) {
		return read(sample).diagnosis();
	}

	/** Everything read from a sample, line by line, and the diagnosis drawn from it. */
	record Reading(Map<String, PasteReader.Sorted> sorted, List<UnreadLine> unread, Diagnosis diagnosis) {

		/** What became of a line of a field: read, noise, prose, or unread. */
		Disposition disposition(String field, int line) {
			PasteReader.Sorted text = this.sorted.get(field);
			Disposition disposition = (text != null) ? text.dispositions().get(line) : null;
			if (disposition == null) {
				return null;
			}
			boolean listed = this.unread.stream().anyMatch((u) -> u.field().equals(field) && u.covers(line));
			return (disposition == Disposition.READ && listed) ? Disposition.UNREAD : disposition;
		}

	}

	Reading read(NodeSample sample) {
		Map<String, String> texts = texts(sample);
		Map<String, PasteReader.Sorted> sorted = new LinkedHashMap<>();
		List<UnreadLine> unread = new ArrayList<>();
		List<ConntrackStats> samples = new ArrayList<>();
		ConntrackStats laterBox = null;
		List<NatRule> rules = new ArrayList<>();
		List<NatTable.OtherTable> otherTables = new ArrayList<>();
		List<NftParser.MapElement> mapElements = new ArrayList<>();
		String kubeProxyNftables = "";
		boolean wholeEmptyNat = false;
		boolean cutNat = false;
		Optional<KernelVersion> version = Optional.empty();
		ResolverConfig resolver = ResolverConfig.absent();
		CiliumStatus cilium = CiliumStatus.empty();
		Map<String, NodeExtras> extras = new LinkedHashMap<>();
		List<String> hints = new ArrayList<>();
		List<String> read = new ArrayList<>();
		int sleep = 0;
		List<TcpdumpParser.Capture> captures = new ArrayList<>();
		SymptomTimings.Symptoms symptoms = SymptomTimings.Symptoms.empty();
		for (Map.Entry<String, String> entry : texts.entrySet()) {
			String field = entry.getKey();
			PasteReader.Sorted text = PasteReader.read(entry.getValue());
			sorted.put(field, text);
			add(unread, field, text.problems());
			if (!field.equals(NodeSample.PASTE)) {
				for (int number : text.prose()) {
					unread.add(new UnreadLine(field, number,
							"not a line of " + BOX_FORMATS.get(field) + ", nor of any other output Racetrack reads"));
				}
			}
			hints.addAll(text.hints());
			sleep = Math.max(sleep, text.sleepSeconds());
			describe(read, field, text);
			List<ConntrackStats> fieldSamples = ConntrackStatsParser.samples(text.of(PasteFormat.CONNTRACK_STATS),
					text.hints().contains(PasteHints.CONNTRACK_NOT_ROOT));
			fieldSamples.forEach((s) -> add(unread, field, s.problems()));
			List<ConntrackStats> readable = fieldSamples.stream().filter(ConntrackStats::readable).toList();
			if (field.equals(NodeSample.CONNTRACK_STATS_LATER)) {
				laterBox = readable.isEmpty() ? null : readable.get(0);
			}
			else {
				samples.addAll(readable);
			}
			// once for the nat table, kube-proxy's maps and its no-endpoint elements
			NftParser.Result nft = NftParser.parse(text.of(PasteFormat.NFT));
			NatTable nat = IptablesParser.parse(text.of(PasteFormat.IPTABLES_SAVE), text.of(PasteFormat.IPTABLES_LIST),
					nft, text.commands());
			rules.addAll(nat.rules());
			mapElements.addAll(nft.elements());
			if (kubeProxyNftables.isEmpty() && nft.kubeProxyLine() > 0) {
				int number = nft.kubeProxyLine();
				String shown = text.of(PasteFormat.NFT)
					.stream()
					.filter((l) -> l.number() == number)
					.map((l) -> NftParser.withoutHandle(l.text().strip()).replaceFirst("\\s*\\{$", ""))
					.findFirst()
					.orElse("");
				kubeProxyNftables = where(field, number) + ": "
						+ ((shown.length() > 120) ? shown.substring(0, 120) + "…" : shown);
			}
			nat.otherTables()
				.forEach((t) -> otherTables.add(new NatTable.OtherTable(t.table(),
						t.lines() + (field.equals(NodeSample.PASTE) ? "" : " of " + field), t.basis(), t.tool())));
			wholeEmptyNat |= nat.wholeEmptyTable();
			cutNat |= nat.cutTable();
			add(unread, field, nat.problems());
			UnameParser.Result uname = UnameParser.parse(text.of(PasteFormat.UNAME));
			add(unread, field, uname.problems());
			NodeExtras fieldExtras = NodeExtras.read(text, text.commands(), nft);
			extras.put(field, fieldExtras);
			add(unread, field, fieldExtras.problems());
			if (version.isEmpty()) {
				version = uname.version().or(() -> fromNodes(fieldExtras));
			}
			ResolverConfig fieldResolver = ResolvConfParser.parse(text.of(PasteFormat.RESOLV_CONF), text.commands());
			add(unread, field, fieldResolver.problems());
			if (!resolver.present() && fieldResolver.present()) {
				resolver = fieldResolver;
			}
			for (TcpdumpParser.Capture fieldCapture : List.of(
					TcpdumpParser.parse(text.of(PasteFormat.TCPDUMP), text.commands()),
					TsharkParser.parse(text.of(PasteFormat.TSHARK), text.commands()))) {
				add(unread, field, fieldCapture.problems());
				if (fieldCapture.read()) {
					captures.add(fieldCapture.named(where(field, fieldCapture)));
				}
			}
			if (!symptoms.read()) {
				symptoms = SymptomTimings.parse(text.of(PasteFormat.SYMPTOM), text.commands());
			}
			CiliumStatus fieldCilium = CiliumStatus.parse(text.of(PasteFormat.CILIUM_STATUS));
			add(unread, field, fieldCilium.problems());
			if (!cilium.read()) {
				cilium = fieldCilium;
			}
		}
		ConntrackStats stats = samples.isEmpty() ? ConntrackStats.empty() : samples.get(0);
		ConntrackStats later = (laterBox != null) ? laterBox : (samples.size() > 1) ? samples.get(1) : null;
		Integer interval = (sample.intervalSeconds() != null) ? sample.intervalSeconds() : (sleep > 0) ? sleep : null;
		Optional<CounterRates> rates = (later != null && interval != null)
				? Optional.of(CounterRates.compare(stats, later, interval)) : Optional.empty();
		rates.ifPresent((r) -> unread.addAll(r.mismatches()));
		NatTable nat = new NatTable(rules, KubeServices.find(rules, mapElements), List.of(), wholeEmptyNat, otherTables,
				cutNat);
		String bpfHostRouting = cilium.hostRouting()
			.filter((routing) -> routing.value().equals("BPF"))
			.map(CiliumStatus.Setting::evidence)
			.orElse("");
		KernelMatch kernel = KernelProfiles.match(version, stats, kubeProxyNftables, bpfHostRouting);
		Facts facts = new Facts(kernel, stats, nat, resolver, rates, merge(extras, unread), hints, cilium);
		List<Finding> findings = findings(facts, NodeSample.given(sample.uname()) || version.isPresent());
		// Every capture is judged: the pod's and the node's tell where a packet was
		// lost. With several, each is named by where it was pasted.
		for (TcpdumpParser.Capture capture : captures) {
			findings
				.addAll(CaptureRules.assess((captures.size() == 1) ? capture.named(capture.tool()) : capture, facts));
		}
		findings.addAll(SymptomRules.assess(symptoms, facts));
		sort(findings);
		if (later != null && interval == null) {
			findings.add(new Finding("second-sample", Severity.INFO,
					"Two conntrack -S samples were pasted, but not the seconds between them",
					List.of("A second sample starts where a CPU appears again."),
					List.of("Give the seconds between the two samples (intervalSeconds) to get the rate of drops.")));
			sort(findings);
		}
		dedupeEvidence(findings);
		List<UnreadLine> grouped = group(unread);
		Verdict verdict = VerdictRule.of(facts, findings);
		// With several boxes, each cited line is told its box (the rules cite numbers).
		BoxCitations boxes = BoxCitations.of(texts);
		Diagnosis diagnosis = new Diagnosis(kernel, boxes.qualify(findings), grouped, ReplayLink.of(facts, findings),
				boxes.qualify(verdict), read);
		return new Reading(sorted, grouped, diagnosis);
	}

	/** {@code tshark (lines 3–9 of iptables)}: a capture named by its tool and lines. */
	private static String where(String field, TcpdumpParser.Capture capture) {
		int first = capture.packets().get(0).line();
		int last = capture.packets().get(capture.packets().size() - 1).line();
		return capture.tool() + " (line" + ((first == last) ? " " + first : "s " + first + "–" + last)
				+ (field.equals(NodeSample.PASTE) ? "" : " of " + field) + ")";
	}

	private static Optional<KernelVersion> fromNodes(NodeExtras extras) {
		return extras.nodes()
			.stream()
			.findFirst()
			.flatMap((node) -> UnameParser.fromNode(node.kernel(), node.osImage(), node.line()));
	}

	private static Map<String, String> texts(NodeSample sample) {
		Map<String, String> texts = new LinkedHashMap<>();
		Map<String, String> all = new LinkedHashMap<>();
		all.put(NodeSample.PASTE, sample.paste());
		all.put(NodeSample.CONNTRACK_STATS, sample.conntrackStats());
		all.put(NodeSample.IPTABLES, sample.iptables());
		all.put(NodeSample.UNAME, sample.uname());
		all.put(NodeSample.RESOLV_CONF, sample.resolvConf());
		all.put(NodeSample.CONNTRACK_STATS_LATER, sample.conntrackStatsLater());
		for (String field : FIELDS) {
			if (NodeSample.given(all.get(field))) {
				texts.put(field, all.get(field));
			}
		}
		return texts;
	}

	/** {@code conntrack -S: lines 3–10}, one entry per output found. */
	private static void describe(List<String> read, String field, PasteReader.Sorted text) {
		for (PasteFormat format : PasteFormat.values()) {
			List<Line> lines = text.of(format);
			if (!lines.isEmpty()) {
				int first = lines.get(0).number();
				int last = lines.get(lines.size() - 1).number();
				read.add(format.title() + ": line" + ((first == last) ? " " + first : "s " + first + "–" + last)
						+ (field.equals(NodeSample.PASTE) ? "" : " of " + field));
			}
		}
	}

	/**
	 * The facts of every box in one. A sysctl key pasted in two boxes takes the value the
	 * kernel runs with now: a sysctl read over nf_conntrack's load message (the size it
	 * started with), whichever box comes first; between two of the same kind, the first
	 * box's. The value set aside is listed, at its line, with the one used.
	 */
	private static NodeExtras merge(Map<String, NodeExtras> all, List<UnreadLine> unread) {
		if (all.isEmpty()) {
			return NodeExtras.empty();
		}
		Map<String, String> sysctl = new LinkedHashMap<>();
		Map<String, Integer> sysctlLines = new LinkedHashMap<>();
		Map<String, String> sysctlFields = new LinkedHashMap<>();
		Map<String, String> notes = new LinkedHashMap<>();
		List<Integer> tableFull = new ArrayList<>();
		List<NodeExtras.Node> nodes = new ArrayList<>();
		Map<String, Integer> endpointIps = new LinkedHashMap<>();
		List<NodeExtras.Pod> dnsPods = new ArrayList<>();
		List<NodeExtras.Service> dnsServices = new ArrayList<>();
		List<NodeExtras.Workload> dnsWorkloads = new ArrayList<>();
		List<NoEndpointRejects.Reject> dnsRejects = new ArrayList<>();
		Set<String> bootTime = new java.util.LinkedHashSet<>();
		Optional<ConntrackAlert> alert = Optional.empty();
		int other = 0;
		long suppressed = 0;
		NodeExtras.ConntrackList list = all.values().iterator().next().conntrackList();
		for (Map.Entry<String, NodeExtras> box : all.entrySet()) {
			String field = box.getKey();
			NodeExtras extras = box.getValue();
			for (Map.Entry<String, String> value : extras.sysctl().entrySet()) {
				String key = value.getKey();
				int line = extras.sysctlLines().get(key);
				boolean boot = extras.bootTime().contains(key);
				if (!sysctl.containsKey(key)) {
					sysctl.put(key, value.getValue());
					sysctlLines.put(key, line);
					sysctlFields.put(key, field);
					if (boot) {
						bootTime.add(key);
					}
					if (extras.sysctlNotes().containsKey(key)) {
						notes.put(key, extras.sysctlNotes().get(key));
					}
					continue;
				}
				String name = key.substring(key.lastIndexOf('.') + 1);
				String kept = where(sysctlFields.get(key), sysctlLines.get(key));
				if (bootTime.contains(key) && !boot) {
					// A sysctl read is what the kernel runs with now: it wins over the
					// load
					// message of an earlier box.
					unread.add(new UnreadLine(sysctlFields.get(key), sysctlLines.get(key),
							"the table size when nf_conntrack loaded: " + name + "=" + sysctl.get(key)
									+ " is not used, because the sysctl value on " + where(field, line) + " ("
									+ value.getValue() + ") is the one now"));
					notes.put(key, NodeExtras.runtimeOverBoot(where(field, line), kept, sysctl.get(key)));
					sysctl.put(key, value.getValue());
					sysctlLines.put(key, line);
					sysctlFields.put(key, field);
					bootTime.remove(key);
				}
				else if (!bootTime.contains(key) && boot) {
					unread.add(new UnreadLine(field, line,
							"the table size when nf_conntrack loaded: " + name + "=" + value.getValue()
									+ " is not used, because the sysctl value on " + kept + " (" + sysctl.get(key)
									+ ") is the one now"));
					notes.put(key, NodeExtras.runtimeOverBoot(kept, where(field, line), value.getValue()));
				}
				else if (!sysctl.get(key).equals(value.getValue())) {
					unread.add(new UnreadLine(field, line, name + "=" + value.getValue() + " is not used: " + kept
							+ " gives " + sysctl.get(key) + ", read first, and the paste does not say which is newer"));
				}
			}
			dnsWorkloads.addAll(extras.dnsWorkloads());
			dnsRejects.addAll(extras.dnsRejects());
			if (alert.isEmpty()) {
				alert = extras.alert();
			}
			tableFull.addAll(extras.tableFull());
			nodes.addAll(extras.nodes());
			extras.endpointIps().forEach(endpointIps::putIfAbsent);
			dnsPods.addAll(extras.dnsPods());
			dnsServices.addAll(extras.dnsServices());
			other += extras.otherKernelLines();
			suppressed += extras.suppressed();
			if (list.entries() == 0) {
				list = extras.conntrackList();
			}
		}
		return new NodeExtras(sysctl, sysctlLines, tableFull, other, suppressed, list, nodes, endpointIps, dnsPods,
				dnsServices, dnsWorkloads, dnsRejects, bootTime, notes, alert, List.of());
	}

	/** {@code line 3}, or {@code line 3 of conntrackStats} for a line of another box. */
	private static String where(String field, int line) {
		return "line " + line + (field.equals(NodeSample.PASTE) ? "" : " of " + field);
	}

	private static List<Finding> findings(Facts facts, boolean unameGiven) {
		List<Finding> findings = new ArrayList<>();
		findings.addAll(CounterRules.assess(facts));
		SnatPortRaceRule.assess(facts).ifPresent(findings::add);
		CiliumRule.assess(facts).ifPresent(findings::add);
		SustainedEstimate.assess(facts, findings).ifPresent(findings::add);
		DnsServiceRule.assess(facts).ifPresent(findings::add);
		DnsServiceRule.localDrop(facts).ifPresent(findings::add);
		findings.addAll(DnatRaceRules.assess(facts));
		findings.addAll(ResolverRules.assess(facts));
		KernelRule.assess(facts, unameGiven).ifPresent(findings::add);
		sort(findings);
		return findings;
	}

	private static void sort(List<Finding> findings) {
		findings.sort(Comparator.comparing(Finding::severity).thenComparing((f) -> ORDER.indexOf(f.id())));
	}

	/** Evidence is shown once: a line already shown in a worse finding is left out. */
	private static void dedupeEvidence(List<Finding> findings) {
		Set<String> shown = new HashSet<>();
		for (int i = 0; i < findings.size(); i++) {
			Finding finding = findings.get(i);
			List<String> evidence = finding.evidence().stream().filter(shown::add).toList();
			if (evidence.size() != finding.evidence().size()) {
				findings.set(i, finding.with(evidence, finding.mitigations()));
			}
		}
	}

	/** Runs of consecutive lines with the same reason become one entry. */
	static List<UnreadLine> group(List<UnreadLine> unread) {
		List<UnreadLine> sorted = new ArrayList<>(unread);
		sorted
			.sort(Comparator.comparing((UnreadLine u) -> FIELDS.indexOf(u.field())).thenComparingInt(UnreadLine::line));
		List<UnreadLine> grouped = new ArrayList<>();
		for (UnreadLine line : sorted) {
			UnreadLine last = grouped.isEmpty() ? null : grouped.get(grouped.size() - 1);
			if (last != null && last.field().equals(line.field()) && last.reason().equals(line.reason())
					&& line.line() == last.lastLine() + 1) {
				grouped.set(grouped.size() - 1, new UnreadLine(last.field(), last.line(), last.reason(), line.line()));
			}
			else if (last == null || !(last.field().equals(line.field()) && last.covers(line.line())
					&& last.reason().equals(line.reason()))) {
				grouped.add(line);
			}
		}
		return grouped;
	}

	private static void add(List<UnreadLine> unread, String field, List<LineProblem> problems) {
		problems.forEach((problem) -> unread.add(UnreadLine.of(field, problem)));
	}

}
