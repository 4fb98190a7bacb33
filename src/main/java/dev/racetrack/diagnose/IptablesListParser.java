package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code iptables -L} in every flavour ({@code -t nat -L}, {@code -n}, {@code -v},
 * {@code --line-numbers}, {@code -x}, and excerpts through {@code grep} with no chain
 * header) into {@link NatRule}s. The columns are found from the {@code opt} column
 * ({@code --}): before it the target and protocol, and before those the line number and
 * the packet and byte counters ({@code 1497K}, {@code 121M}: iptables prints K, M, G, T
 * in units of 1000 without {@code -x}); after it {@code in} and {@code out} when the
 * counters are there ({@code -v}), then source, destination and the match extras
 * ({@code /* comment *}{@code /}, {@code udp dpt:53}, {@code to:10.1.9.135:53},
 * {@code random-fully}, {@code statistic mode random probability 0.5}). Each rule keeps
 * its line as pasted and the {@code iptables -S} form rebuilt from its columns, which is
 * what a fix names.
 */
final class IptablesListParser {

	private static final Pattern COUNTER = Pattern.compile("\\d{1,20}[KMGTP]?");

	private static final Pattern PROTOCOL = Pattern
		.compile("!?(?:all|tcp|udp|icmp|sctp|udplite|esp|ah|gre|ipv6-icmp|\\d{1,3})");

	private static final Pattern CHAIN_HEADER = Pattern.compile("Chain ([\\w-]{1,64}) \\((.{0,100})\\)");

	private static final Pattern COMMENT = Pattern.compile("/\\* (.{0,400}?) \\*/");

	private static final Pattern TO = Pattern.compile("(?<!\\S)to:([\\d.]{7,15}(?::[\\d-]{1,11})?)");

	private static final Pattern DPT = Pattern.compile("(?<!\\S)dpts?:([\\w-]{1,20})");

	private static final Pattern STATISTIC = Pattern.compile("statistic mode random probability ([\\d.]{1,20})");

	private static final Map<String, String> SERVICES = Map.of("domain", "53", "http", "80", "https", "443");

	private static final Set<String> ANY = Set.of("0.0.0.0/0", "anywhere", "::/0", "*", "any");

	private IptablesListParser() {
	}

	/** Whether a line has the shape of an {@code iptables -L} rule row. */
	static boolean isRow(String text) {
		String[] tokens = text.strip().split("\\s+", 12);
		int opt = optIndex(tokens);
		return opt >= 2 && tokens.length >= opt + 3;
	}

	private static int optIndex(String[] tokens) {
		for (int i = 2; i < Math.min(tokens.length, 7); i++) {
			if ((tokens[i].equals("--") || tokens[i].equals("-f") || tokens[i].equals("!f"))
					&& PROTOCOL.matcher(tokens[i - 1]).matches() && isTarget(tokens[i - 2])) {
				boolean prefixIsCounters = true;
				for (int j = 0; j < i - 2; j++) {
					prefixIsCounters &= COUNTER.matcher(tokens[j]).matches();
				}
				if (prefixIsCounters && i - 2 <= 3) {
					return i;
				}
			}
		}
		return -1;
	}

	private static boolean isTarget(String token) {
		return !token.isEmpty() && Character.isLetter(token.charAt(0)) && token.length() <= 64
				&& token.chars().allMatch((c) -> Character.isLetterOrDigit(c) || c == '-' || c == '_');
	}

	/** The rules and the lines it could not read. */
	record Result(List<NatRule> rules, List<LineProblem> problems, boolean natSeen) {
	}

	static Result parse(List<Line> lines) {
		List<NatRule> rules = new ArrayList<>();
		List<LineProblem> problems = new ArrayList<>();
		String chain = "";
		boolean verboseHeader = false;
		boolean headerSeen = false;
		boolean natSeen = false;
		for (Line line : lines) {
			String text = line.text().strip();
			Matcher header = CHAIN_HEADER.matcher(text);
			if (header.matches()) {
				chain = header.group(1);
				natSeen |= chain.equals("POSTROUTING") || chain.equals("PREROUTING") || chain.startsWith("KUBE-");
				continue;
			}
			if (text.contains("target") && text.contains("prot") && text.contains("opt")) {
				headerSeen = true;
				verboseHeader = text.contains("pkts");
				continue;
			}
			String[] tokens = text.split("\\s+");
			int opt = optIndex(tokens);
			if (opt < 0) {
				problems.add(new LineProblem(line.number(), "not a rule row of iptables -L"));
				continue;
			}
			int prefix = opt - 2;
			boolean verbose = headerSeen ? verboseHeader : (prefix >= 2);
			int at = opt + 1;
			String in = "";
			String out = "";
			if (verbose && tokens.length >= at + 4) {
				in = tokens[at++];
				out = tokens[at++];
			}
			if (tokens.length < at + 2) {
				problems.add(new LineProblem(line.number(), "cut short: no source and destination columns"));
				continue;
			}
			String source = tokens[at++];
			String destination = tokens[at++];
			String extras = String.join(" ", List.of(tokens).subList(at, tokens.length));
			long packets = (prefix >= 2) ? counter(tokens[prefix - 2]) : -1;
			rules.add(rule(line, chain, tokens[opt - 2], tokens[opt - 1], in, out, source, destination, extras, packets,
					verbose ? NatRule.Form.LIST : NatRule.Form.LIST_BRIEF));
		}
		return new Result(rules, problems, natSeen);
	}

	private static NatRule rule(Line line, String chain, String target, String protocolColumn, String in, String out,
			String source, String destination, String extras, long packets, NatRule.Form form) {
		String protocol = protocolName(protocolColumn);
		Matcher comment = COMMENT.matcher(extras);
		String commentText = comment.find() ? comment.group(1) : "";
		String rest = COMMENT.matcher(extras).replaceAll(" ");
		Matcher to = TO.matcher(rest);
		String toDestination = to.find() ? to.group(1) : "";
		Matcher dpt = DPT.matcher(rest);
		String dport = dpt.find() ? SERVICES.getOrDefault(dpt.group(1), dpt.group(1)) : "";
		boolean randomFully = (" " + rest + " ").contains(" random-fully ");
		boolean random = !randomFully && (" " + STATISTIC.matcher(rest).replaceAll(" ") + " ").contains(" random ");
		String save = saveForm(chain, target, protocol, in, out, source, destination, commentText, dport, toDestination,
				random, randomFully);
		return new NatRule(line.number(), line.text().strip(), chain.isEmpty() ? "?" : chain, target, protocol, dport,
				commentText, toDestination, random, randomFully, save, packets, form);
	}

	/** {@code all} → {@code ""}, {@code 17} → {@code udp}, {@code 6} → {@code tcp}. */
	private static String protocolName(String column) {
		String value = column.toLowerCase(Locale.ROOT);
		return switch (value) {
			case "all", "0" -> "";
			case "6" -> "tcp";
			case "17" -> "udp";
			case "1" -> "icmp";
			case "132" -> "sctp";
			default -> value;
		};
	}

	/** The rule as {@code iptables -S} would print it, rebuilt from the columns. */
	static String saveForm(String chain, String target, String protocol, String in, String out, String source,
			String destination, String comment, String dport, String to, boolean random, boolean randomFully) {
		StringBuilder rule = new StringBuilder("-A ").append(chain.isEmpty() ? "<chain>" : chain);
		address(rule, "-s", source);
		address(rule, "-d", destination);
		address(rule, "-i", in);
		address(rule, "-o", out);
		if (!protocol.isEmpty()) {
			rule.append(" -p ").append(protocol);
		}
		if (!comment.isEmpty()) {
			rule.append(" -m comment --comment \"").append(comment).append('"');
		}
		if (!dport.isEmpty() && !protocol.isEmpty()) {
			rule.append(" -m ").append(protocol).append(" --dport ").append(dport);
		}
		rule.append(" -j ").append(target);
		if (!to.isEmpty()) {
			rule.append(" --to-destination ").append(to);
		}
		if (randomFully) {
			rule.append(" --random-fully");
		}
		else if (random) {
			rule.append(" --random");
		}
		return rule.toString();
	}

	private static void address(StringBuilder rule, String option, String value) {
		if (value.isEmpty() || ANY.contains(value)) {
			return;
		}
		if (value.startsWith("!")) {
			rule.append(" ! ").append(option).append(' ').append(value.substring(1));
		}
		else {
			rule.append(' ').append(option).append(' ').append(value);
		}
	}

	/** {@code 1497K} → 1,497,000 (iptables -L -v counts in units of 1000). */
	static long counter(String token) {
		if (!COUNTER.matcher(token).matches()) {
			return -1;
		}
		char unit = token.charAt(token.length() - 1);
		long scale = switch (unit) {
			case 'K' -> 1_000L;
			case 'M' -> 1_000_000L;
			case 'G' -> 1_000_000_000L;
			case 'T' -> 1_000_000_000_000L;
			case 'P' -> 1_000_000_000_000_000L;
			default -> 1L;
		};
		String digits = (scale == 1) ? token : token.substring(0, token.length() - 1);
		try {
			return Math.multiplyExact(Long.parseLong(digits), scale);
		}
		catch (ArithmeticException | NumberFormatException ex) {
			return Long.MAX_VALUE;
		}
	}

}
