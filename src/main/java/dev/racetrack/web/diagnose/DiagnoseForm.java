package dev.racetrack.web.diagnose;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.util.MultiValueMap;

import dev.racetrack.diagnose.NodeSample;
import dev.racetrack.diagnose.PastedText;
import dev.racetrack.web.shared.BadParameterException;

/**
 * The texts pasted into {@code /diagnose} or posted to {@code /api/diagnose}, all as
 * strings (blank means absent), and their validation: each text at most 64 KiB, at least
 * one given, {@code intervalSeconds} from 1 to 86400 and required with
 * {@code conntrackStatsLater}. Unreadable text is not an error here: the diagnosis
 * reports it line by line.
 */
record DiagnoseForm(String conntrackStats, String iptables, String uname, String resolvConf, String conntrackStatsLater,
		String intervalSeconds, String paste) {

	static final DiagnoseForm EMPTY = new DiagnoseForm("", "", "", "", "", "", "");

	/** The most bytes (UTF-8) of one text: 64 KiB, as the parsers read at most. */
	static final int MAX_FIELD_BYTES = PastedText.MAX_CHARS;

	static final List<String> TEXT_FIELDS = List.of(NodeSample.PASTE, NodeSample.CONNTRACK_STATS, NodeSample.IPTABLES,
			NodeSample.UNAME, NodeSample.RESOLV_CONF, NodeSample.CONNTRACK_STATS_LATER);

	private static final Pattern INTEGER = Pattern.compile("\\d{1,9}");

	DiagnoseForm {
		conntrackStats = orEmpty(conntrackStats);
		iptables = orEmpty(iptables);
		uname = orEmpty(uname);
		resolvConf = orEmpty(resolvConf);
		conntrackStatsLater = orEmpty(conntrackStatsLater);
		intervalSeconds = orEmpty(intervalSeconds);
		paste = orEmpty(paste);
	}

	/** The first value of each field of a form post. */
	static DiagnoseForm from(MultiValueMap<String, String> form) {
		return new DiagnoseForm(form.getFirst(NodeSample.CONNTRACK_STATS), form.getFirst(NodeSample.IPTABLES),
				form.getFirst(NodeSample.UNAME), form.getFirst(NodeSample.RESOLV_CONF),
				form.getFirst(NodeSample.CONNTRACK_STATS_LATER), form.getFirst(NodeSample.INTERVAL_SECONDS),
				form.getFirst(NodeSample.PASTE));
	}

	/**
	 * Whether the optional later sample or its interval was filled in (public for SpEL).
	 */
	public boolean hasLater() {
		return !this.conntrackStatsLater.isBlank() || !this.intervalSeconds.isBlank();
	}

	/** Whether any of the per-output boxes was filled in (public for SpEL). */
	public boolean hasBoxes() {
		return !this.conntrackStats.isBlank() || !this.iptables.isBlank() || !this.uname.isBlank()
				|| !this.resolvConf.isBlank();
	}

	/**
	 * The sample to diagnose.
	 * @throws BadParameterException when a text is over 64 KiB, nothing was given, or the
	 * interval is missing or out of range
	 */
	NodeSample toSample() {
		Map<String, String> texts = Map.of(NodeSample.CONNTRACK_STATS, this.conntrackStats, NodeSample.IPTABLES,
				this.iptables, NodeSample.UNAME, this.uname, NodeSample.RESOLV_CONF, this.resolvConf,
				NodeSample.CONNTRACK_STATS_LATER, this.conntrackStatsLater, NodeSample.PASTE, this.paste);
		for (String field : TEXT_FIELDS) {
			checkSize(field, texts.get(field));
		}
		if (TEXT_FIELDS.stream().allMatch((field) -> texts.get(field).isBlank())) {
			throw new BadParameterException("body",
					"Nothing to diagnose: paste at least one of paste, conntrackStats, iptables, uname, resolvConf.",
					"at least one non-blank text field of " + String.join(", ", TEXT_FIELDS));
		}
		Integer interval = interval();
		if (!this.conntrackStatsLater.isBlank()) {
			checkLater(interval);
		}
		return new NodeSample(this.conntrackStats, this.iptables, this.uname, this.resolvConf, this.conntrackStatsLater,
				interval, this.paste);
	}

	private void checkLater(Integer interval) {
		if (interval == null) {
			throw new BadParameterException(NodeSample.INTERVAL_SECONDS,
					"conntrackStatsLater needs intervalSeconds, the seconds between the two samples.",
					"an integer from 1 to " + NodeSample.MAX_INTERVAL_SECONDS);
		}
		if (this.conntrackStats.isBlank() && this.paste.isBlank()) {
			throw new BadParameterException(NodeSample.CONNTRACK_STATS,
					"conntrackStatsLater needs conntrackStats (or paste), the first sample.",
					"conntrack -S or /proc/net/stat/nf_conntrack text");
		}
	}

	private Integer interval() {
		String value = this.intervalSeconds.strip();
		if (value.isEmpty()) {
			return null;
		}
		if (!INTEGER.matcher(value).matches()) {
			throw BadParameterException.notInRange(NodeSample.INTERVAL_SECONDS, value, 1,
					NodeSample.MAX_INTERVAL_SECONDS);
		}
		int seconds = Integer.parseInt(value);
		if (seconds < 1 || seconds > NodeSample.MAX_INTERVAL_SECONDS) {
			throw BadParameterException.notInRange(NodeSample.INTERVAL_SECONDS, value, 1,
					NodeSample.MAX_INTERVAL_SECONDS);
		}
		return seconds;
	}

	private static void checkSize(String field, String text) {
		if (text.length() > MAX_FIELD_BYTES / 3 && utf8Length(text) > MAX_FIELD_BYTES) {
			throw new BadParameterException(field,
					field + " is " + utf8Length(text) + " bytes; at most " + MAX_FIELD_BYTES + " (64 KiB) are read.",
					"text of at most " + MAX_FIELD_BYTES + " bytes (64 KiB)");
		}
	}

	private static int utf8Length(String text) {
		return text.getBytes(StandardCharsets.UTF_8).length;
	}

	private static String orEmpty(String value) {
		return (value != null) ? value : "";
	}

}
