package dev.racetrack.diagnose;

/**
 * What an on-call engineer pasted from one node. Every text may be {@code null} or blank,
 * and every text may hold any of the outputs {@link PasteReader} reads: the boxes only
 * say where a line was pasted.
 *
 * @param conntrackStats {@code conntrack -S} or {@code /proc/net/stat/nf_conntrack}
 * @param iptables {@code iptables-save -t nat} or {@code iptables -t nat -S}
 * @param uname {@code uname -r}
 * @param resolvConf a pod's {@code /etc/resolv.conf}
 * @param conntrackStatsLater the same statistics taken {@code intervalSeconds} later
 * @param intervalSeconds seconds between the two samples, {@code null} without a later
 * sample
 * @param paste everything at once, as copied from a terminal, chat or issue
 */
public record NodeSample(String conntrackStats, String iptables, String uname, String resolvConf,
		String conntrackStatsLater, Integer intervalSeconds, String paste) {

	public static final String CONNTRACK_STATS = "conntrackStats";

	public static final String IPTABLES = "iptables";

	public static final String UNAME = "uname";

	public static final String RESOLV_CONF = "resolvConf";

	public static final String CONNTRACK_STATS_LATER = "conntrackStatsLater";

	public static final String INTERVAL_SECONDS = "intervalSeconds";

	public static final String PASTE = "paste";

	/** The longest interval between two samples: one day. */
	public static final int MAX_INTERVAL_SECONDS = 86_400;

	public NodeSample {
		if (intervalSeconds != null && (intervalSeconds < 1 || intervalSeconds > MAX_INTERVAL_SECONDS)) {
			throw new IllegalArgumentException("intervalSeconds must be from 1 to 86400, not " + intervalSeconds);
		}
	}

	/** A sample without the paste-everything text. */
	public NodeSample(String conntrackStats, String iptables, String uname, String resolvConf,
			String conntrackStatsLater, Integer intervalSeconds) {
		this(conntrackStats, iptables, uname, resolvConf, conntrackStatsLater, intervalSeconds, null);
	}

	/** A sample of one paste, as copied. */
	public static NodeSample pasted(String paste, Integer intervalSeconds) {
		return new NodeSample(null, null, null, null, null, intervalSeconds, paste);
	}

	/** A sample of only the first four texts. */
	public static NodeSample of(String conntrackStats, String iptables, String uname, String resolvConf) {
		return new NodeSample(conntrackStats, iptables, uname, resolvConf, null, null);
	}

	/**
	 * Whether two samples and their interval were given, so that rates can be computed.
	 */
	public boolean hasRates() {
		return given(this.conntrackStatsLater) && this.intervalSeconds != null;
	}

	static boolean given(String text) {
		return text != null && !text.isBlank();
	}

}
