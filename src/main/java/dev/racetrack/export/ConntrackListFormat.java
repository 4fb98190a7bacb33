package dev.racetrack.export;

import java.util.List;
import java.util.Locale;

import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackTable;
import dev.racetrack.kernel.conntrack.IpsStatus;
import dev.racetrack.kernel.packet.L4Proto;

/**
 * The text of {@code conntrack -L}: one line per listed entry, as conntrack-tools prints
 * it with libnetfilter_conntrack's default formatter
 * ({@code __snprintf_conntrack_default} in {@code src/conntrack/snprintf_default.c}), and
 * the summary line the tool writes to stderr.
 *
 * <p>
 * A line is {@code "%-8s %u "} (protocol name and number), the timeout in whole seconds
 * ({@code "%u "}, {@code nf_ct_expires / HZ}, rounded down), the TCP state name (TCP
 * only), the original tuple {@code src= dst= sport= dport= }, {@code [UNREPLIED] } while
 * {@code IPS_SEEN_REPLY} is clear, the reply tuple, {@code [ASSURED] }, {@code mark=0 }
 * and {@code use=1 }; the formatter then deletes the last blank. Secctx, zone, helper,
 * counters and timestamps are not printed: the model has none of them set.
 *
 * <p>
 * Which entries are listed follows {@code ctnetlink_dump_table}: it walks the hash and
 * prints only nodes of the ORIGINAL direction, so unconfirmed entries (not in the hash)
 * and clash entries (their ORIGINAL node is a fake, {@code hlist_nulls_add_fake}) are not
 * listed; expired entries are skipped. The real tool prints in hash-bucket order, which
 * depends on the boot-time hash seed; the model prints by entry id (creation order)
 * instead, so that the output is reproducible.
 */
public final class ConntrackListFormat {

	/** The conntrack-tools version the summary line names. */
	public static final String TOOL_VERSION = "1.4.7";

	private ConntrackListFormat() {
	}

	/**
	 * The whole stdout of {@code conntrack -L}: every listed entry, one line each, each
	 * ending in a newline.
	 */
	public static String format(ConntrackTable table, long nowNanos) {
		StringBuilder sb = new StringBuilder();
		for (Conntrack ct : listed(table, nowNanos)) {
			sb.append(line(ct, nowNanos)).append('\n');
		}
		return sb.toString();
	}

	/** The entries {@code conntrack -L} shows, in the order the model prints them. */
	public static List<Conntrack> listed(ConntrackTable table, long nowNanos) {
		return table.confirmed().stream().filter((ct) -> !ct.clashEntry() && !ct.expired(nowNanos)).toList();
	}

	/** One entry as {@code conntrack -L} prints it, without the newline. */
	public static String line(Conntrack ct, long nowNanos) {
		L4Proto proto = ct.proto();
		StringBuilder sb = new StringBuilder();
		sb.append(String.format(Locale.ROOT, "%-8s %d ", proto.label(), proto.number()));
		sb.append(ct.secondsLeft(nowNanos)).append(' ');
		if (proto == L4Proto.TCP) {
			sb.append(ct.tcpState().name()).append(' ');
		}
		sb.append(ct.original().toConntrackString()).append(' ');
		if (!ct.has(IpsStatus.SEEN_REPLY)) {
			sb.append("[UNREPLIED] ");
		}
		sb.append(ct.reply().toConntrackString()).append(' ');
		if (ct.has(IpsStatus.ASSURED)) {
			sb.append("[ASSURED] ");
		}
		sb.append("mark=0 use=1");
		return sb.toString();
	}

	/**
	 * The line conntrack-tools writes to stderr after a listing
	 * ({@code "%s v%s (conntrack-tools): %d flow entries have been shown.\n"}).
	 */
	public static String summary(int shown) {
		return "conntrack v" + TOOL_VERSION + " (conntrack-tools): " + shown + " flow entries have been shown.\n";
	}

}
