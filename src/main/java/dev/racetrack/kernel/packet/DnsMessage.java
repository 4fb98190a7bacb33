package dev.racetrack.kernel.packet;

import java.util.List;

/**
 * The DNS payload of a UDP (or TCP) packet: one question, and for a response its answers.
 * Only what the races and the pcap export need.
 *
 * @param id the DNS transaction id
 * @param name the queried name, without the trailing dot
 * @param type {@code A} or {@code AAAA}
 * @param response whether this is a response
 * @param rcode the response code (0 NOERROR, 3 NXDOMAIN)
 * @param answers the IPv4 addresses answered for {@code A} (IPv6 answers are not
 * modelled)
 */
public record DnsMessage(int id, String name, QueryType type, boolean response, int rcode, List<Integer> answers) {

	/** The query types a resolver sends. */
	public enum QueryType {

		A(1), AAAA(28);

		private final int code;

		QueryType(int code) {
			this.code = code;
		}

		public int code() {
			return this.code;
		}

	}

	public static final int NOERROR = 0;

	public static final int NXDOMAIN = 3;

	public DnsMessage {
		answers = List.copyOf(answers);
	}

	public static DnsMessage query(int id, String name, QueryType type) {
		return new DnsMessage(id, name, type, false, NOERROR, List.of());
	}

	public DnsMessage answer(int rcode, List<Integer> addresses) {
		return new DnsMessage(this.id, this.name, this.type, true, rcode, addresses);
	}

	/** Short label for packet tokens: {@code A?}, {@code AAAA?}, {@code A!}. */
	public String label() {
		return this.type.name() + (this.response ? "!" : "?");
	}

}
