package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A conntrack alert as engineers paste it from Alertmanager, Grafana or Prometheus'
 * Alerts page: the share of the table in use when it fired, the threshold, the node. The
 * alerts of the node-mixin (kubernetes-monitoring, kube-prometheus:
 * {@code node-mixin/alerts}) and of awesome-prometheus-alerts divide two node_exporter
 * gauges, {@code node_nf_conntrack_entries / node_nf_conntrack_entries_limit}
 * ({@code nf_conntrack_count / nf_conntrack_max}, collector/conntrack_linux.go), and fire
 * above a share: 0.75 for {@code NodeHighNumberConntrackEntriesUsed} ("{{ $value |
 * humanizePercentage }} of conntrack entries are used."), 0.8 for
 * {@code HostConntrackLimit} ("VALUE = {{ $value }}"). The forms read:
 * <ul>
 * <li>the rule as Prometheus' Alerts page or a rules file shows it: {@code name:} or
 * {@code alert:} with an alert name about conntrack, and {@code expr:} (or a bare PromQL
 * line) dividing the two gauges and comparing with the threshold;</li>
 * <li>Alertmanager's default title ({@code template/default.tmpl}, {@code __subject}):
 * {@code [FIRING:1] NodeHighNumberConntrackEntriesUsed (…labels…)};</li>
 * <li>the description with its value rendered: {@code 10.0.3.7:9100 82.35% of conntrack
 * entries are used.} (humanizePercentage), or the template unrendered;</li>
 * <li>a {@code value=0.8235} (Grafana's {@code Value: [ var='A' labels={…} value=0.8235
 * ]}) or {@code VALUE = 0.8235} line after one of the above.</li>
 * </ul>
 * The alert gives a share of the table, never its size, its drops or its insert failures:
 * the finding asks for {@code conntrack -S} and the two sysctl values.
 *
 * @param name the alert's name, or {@code ""} when only its expression or text was pasted
 * @param firing whether the paste shows it fired: a {@code [FIRING]} title or a rendered
 * value
 * @param share the largest share of the table in use pasted (0.8235), or -1 when none
 * @param threshold the share it fires above (0.75), or -1 when its expression was not
 * pasted
 * @param instance the node ({@code instance} label, or the word before the rendered
 * value), or {@code ""}
 * @param lines the lines read
 */
public record ConntrackAlert(String name, boolean firing, double share, double threshold, String instance,
		List<Integer> lines) {

	/**
	 * {@code name: NodeHighNumberConntrackEntriesUsed},
	 * {@code - alert: HostConntrackLimit}.
	 */
	private static final Pattern NAME = Pattern.compile(
			"(?:- )?(?:name|alert|alertname)[ \\t]{0,8}[:=][ \\t]{0,8}[\"']?([A-Za-z_]{0,80}[Cc]onntrack[A-Za-z_]{0,80})"
					+ "[\"']?[ \\t]*");

	/**
	 * Alertmanager's default title:
	 * {@code [FIRING:1] NodeHighNumberConntrackEntriesUsed …}.
	 */
	private static final Pattern TITLE = Pattern.compile(
			"\\[(FIRING|RESOLVED)(?::\\d{1,6})?\\] {1,4}([A-Za-z_]{0,80}[Cc]onntrack[A-Za-z_]{0,80})(?: .{0,2000})?");

	/** The node-mixin description, rendered or not. */
	private static final Pattern DESCRIPTION = Pattern.compile(
			"(?:(?:description|message)[ \\t]{0,8}[:=][ \\t]{0,8}[\"']?)?(?:(\\S{1,200}) +|\\{\\{[^{}]{1,200}\\}\\} +)?(?:(\\d{1,3}(?:\\.\\d{1,9})?)%|\\{\\{[^{}]{1,200}\\}\\})"
					+ " of conntrack entries are used\\.?[\"']?.{0,200}");

	/** {@code value=0.8235}, {@code VALUE = 0.8235}, {@code Value: … value=0.8235 ]}. */
	private static final Pattern VALUE = Pattern.compile(
			"(?i)(?:.{0,400}?[\\s\\[{,(])?value[ \\t]{0,3}=[ \\t]{0,3}(\\d{1,3}(?:\\.\\d{1,12})?)(?![\\d.]).{0,400}");

	private static final Pattern THRESHOLD = Pattern.compile(">=?[ \\t]{0,8}(\\d{1,3}(?:\\.\\d{1,9})?)");

	private static final Pattern INSTANCE = Pattern.compile("\\binstance[ \\t]{0,3}=[ \\t]{0,3}\"?([\\w.:-]{1,200})");

	/** Whether a line is a conntrack alert's name, title, expression or description. */
	static boolean isAlertLine(String text) {
		if (text.length() > 2400) {
			return false;
		}
		return NAME.matcher(text).matches() || TITLE.matcher(text).matches() || isExpression(text)
				|| DESCRIPTION.matcher(text).matches();
	}

	/** Whether a line holds an alert's value ({@code value=0.82}). */
	static boolean isValueLine(String text) {
		return text.length() <= 2400 && VALUE.matcher(text).matches();
	}

	/**
	 * {@code expr: (node_nf_conntrack_entries / node_nf_conntrack_entries_limit) > 0.75}.
	 */
	private static boolean isExpression(String text) {
		int entries = text.indexOf("node_nf_conntrack_entries");
		int limit = text.indexOf("node_nf_conntrack_entries_limit");
		return entries >= 0 && limit > entries && text.indexOf('/', entries) > 0 && text.indexOf('/', entries) < limit
				&& (text.startsWith("expr") || text.startsWith("(") || text.startsWith("node_nf_conntrack_entries")
						|| text.startsWith("max(") || text.startsWith("- expr"));
	}

	/** Reads the alert lines of a paste; empty when none was pasted. */
	static Optional<ConntrackAlert> read(List<Line> lines) {
		if (lines.isEmpty()) {
			return Optional.empty();
		}
		String name = "";
		boolean firing = false;
		double share = -1;
		double threshold = -1;
		boolean percentValues = false;
		String instance = "";
		List<Integer> numbers = new ArrayList<>();
		List<Double> values = new ArrayList<>();
		for (Line line : lines) {
			String text = line.text().strip();
			numbers.add(line.number());
			Matcher title = TITLE.matcher(text);
			Matcher nameLine = NAME.matcher(text);
			Matcher description = DESCRIPTION.matcher(text);
			Matcher value = VALUE.matcher(text);
			if (title.matches()) {
				firing |= title.group(1).equals("FIRING");
				name = name.isEmpty() ? title.group(2) : name;
			}
			else if (nameLine.matches()) {
				name = name.isEmpty() ? nameLine.group(1) : name;
			}
			else if (isExpression(text)) {
				Matcher above = THRESHOLD.matcher(text.substring(text.indexOf("node_nf_conntrack_entries_limit")));
				if (above.find() && threshold < 0) {
					threshold = Double.parseDouble(above.group(1));
					percentValues = text.contains("* 100") || text.contains("*100");
					threshold = (percentValues || threshold > 1) ? threshold / 100 : threshold;
				}
			}
			else if (description.matches()) {
				if (description.group(2) != null) {
					share = Math.max(share, Double.parseDouble(description.group(2)) / 100);
					firing = true;
					if (instance.isEmpty() && description.group(1) != null && !description.group(1).contains("{{")) {
						instance = description.group(1);
					}
				}
			}
			else if (value.matches()) {
				values.add(Double.parseDouble(value.group(1)));
			}
			Matcher label = INSTANCE.matcher(text);
			if (instance.isEmpty() && label.find() && !label.group(1).contains("$")) {
				instance = label.group(1);
			}
		}
		for (double value : values) {
			double fraction = (percentValues || value > 1.5) ? value / 100 : value;
			share = Math.max(share, fraction);
			firing = true;
		}
		return Optional.of(new ConntrackAlert(name, firing, share, threshold, instance, List.copyOf(numbers)));
	}

	/** What the alert says, for a finding. */
	String describe() {
		StringBuilder text = new StringBuilder();
		text.append((this.lines.size() == 1) ? "line " + this.lines.get(0)
				: "lines " + this.lines.get(0) + "–" + this.lines.get(this.lines.size() - 1));
		text.append(": the alert ").append(this.name.isEmpty() ? "on conntrack entries" : this.name);
		if (this.threshold >= 0) {
			text.append(" (node_nf_conntrack_entries / node_nf_conntrack_entries_limit above ")
				.append(percent(this.threshold))
				.append(")");
		}
		if (this.share >= 0) {
			text.append(" fired with ").append(percent(this.share)).append(" of the conntrack table in use");
		}
		else if (this.firing) {
			text.append(" fired; its value was not pasted");
		}
		else {
			text.append(": its rule, not a value (it says the table was past the threshold when it fired)");
		}
		if (!this.instance.isEmpty()) {
			text.append(" on ").append(this.instance);
		}
		text.append(".");
		return text.toString();
	}

	/** What to paste next: the alert is a share, not the table's size or its drops. */
	String pasteNext() {
		return "Paste conntrack -S and sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max from "
				+ (this.instance.isEmpty() ? "the node" : this.instance)
				+ ": the alert gives the share of the table in use, not its size, its drops or its insert failures.";
	}

	private static String percent(double share) {
		double percent = share * 100;
		return String.format(Locale.ROOT, (percent == Math.rint(percent)) ? "%.0f %%" : "%.1f %%", percent);
	}

}
