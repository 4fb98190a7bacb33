package dev.racetrack.sim;

import java.util.List;
import java.util.Optional;

import dev.racetrack.kernel.Identified;

/**
 * The remedies a run may apply, each modelled through the same kernel and client
 * mechanics as everything else (rules, raw-table NOTRACK, client behaviour, link delay).
 */
public enum Mitigation implements Identified {

	NONE("none", "no mitigation"),

	/**
	 * Routable pod IPs: no MASQUERADE for the destination (AWS VPC CNI, ip-masq-agent).
	 */
	NO_SNAT("no-snat", "routable pod IPs: no SNAT toward the destination"),

	/** Each pod opens one connection and reuses it for every later request. */
	KEEP_ALIVE("keep-alive", "keep-alive: one connection per pod, reused"),

	/**
	 * A node-local DNS cache reached without DNAT and without conntrack, forwarding over
	 * TCP.
	 */
	NODELOCAL_DNS("nodelocal-dns", "NodeLocal DNSCache"),

	/**
	 * The second DNS packet of a pair delayed by a few microseconds before it enters the
	 * node.
	 */
	TC_DELAY("tc-delay", "tc delay on DNS packets");

	/**
	 * The delay the tc-delay workaround adds to the second DNS packet of a pair: a few
	 * microseconds, longer than the ~2 µs between the first packet's conntrack entry and
	 * its confirm, so the second finds the first's entry confirmed.
	 */
	public static final long TC_DELAY_NANOS = 10_000;

	private final String id;

	private final String title;

	Mitigation(String id, String title) {
		this.id = id;
		this.title = title;
	}

	@Override
	public String id() {
		return this.id;
	}

	public String title() {
		return this.title;
	}

	/** The delay this mitigation adds to the second packet of a DNS pair. */
	public long secondDnsPacketDelayNanos() {
		return (this == TC_DELAY) ? TC_DELAY_NANOS : 0;
	}

	public static List<String> ids() {
		return Identified.ids(Mitigation.class);
	}

	public static Optional<Mitigation> fromId(String id) {
		return Identified.fromId(Mitigation.class, id);
	}

}
