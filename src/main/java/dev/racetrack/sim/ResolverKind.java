package dev.racetrack.sim;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The DNS resolvers the pods may use (src/docs/netfilter-races.md §6).
 */
public enum ResolverKind {

	/** glibc: A and AAAA in parallel on one socket, 5 s timeout, 2 attempts. */
	GLIBC("glibc", "glibc (A and AAAA in parallel on one socket)"),

	/**
	 * glibc {@code options single-request}: the second query only after the first answer.
	 */
	GLIBC_SINGLE_REQUEST("glibc-single-request", "glibc, options single-request"),

	/**
	 * glibc {@code options single-request-reopen}: sequential, and a new socket for the
	 * second.
	 */
	GLIBC_SINGLE_REQUEST_REOPEN("glibc-single-request-reopen", "glibc, options single-request-reopen"),

	/** glibc {@code options use-vc}: DNS over TCP. */
	GLIBC_USE_VC("glibc-use-vc", "glibc, options use-vc (TCP)"),

	/** musl: parallel from one socket, resends every 2.5 s. */
	MUSL("musl", "musl libc (Alpine)");

	private final String id;

	private final String title;

	ResolverKind(String id, String title) {
		this.id = id;
		this.title = title;
	}

	public String id() {
		return this.id;
	}

	public String title() {
		return this.title;
	}

	public boolean glibc() {
		return this != MUSL;
	}

	/**
	 * How long a lookup waits for a lost answer before it sends its query again: musl's
	 * resend interval (2.5 s), glibc's timeout (5 s). The Experiments page marks these
	 * stalls on its latency histogram.
	 */
	public long retryNanos() {
		return glibc() ? Resolver.GLIBC_TIMEOUT_NANOS : Resolver.MUSL_RETRY_NANOS;
	}

	public static List<String> ids() {
		return Arrays.stream(values()).map(ResolverKind::id).toList();
	}

	public static Optional<ResolverKind> fromId(String id) {
		return Arrays.stream(values()).filter((r) -> r.id.equals(id)).findFirst();
	}

}
