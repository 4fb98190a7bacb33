package dev.racetrack.sim;

import java.util.List;
import java.util.Optional;

import dev.racetrack.kernel.Identified;

/**
 * The DNS resolvers the pods may use (src/docs/netfilter-races.md §6).
 */
public enum ResolverKind implements Identified {

	/**
	 * glibc: A and AAAA from one thread with one {@code sendmmsg} on one socket, 5 s
	 * timeout, 2 attempts.
	 */
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

	/**
	 * musl: one thread, a {@code sendto} per query from one socket (14–33 µs apart,
	 * src/docs/kernel-window.md §2), resends every 2.5 s.
	 */
	MUSL("musl", "musl libc (Alpine)"),

	/**
	 * A and AAAA sent at once by two threads on one socket, each on its own CPU: the case
	 * that races (the 2018 article's description, the kernel selftest {@code udpclash},
	 * brb/conntrack-race; src/docs/kernel-window.md §2). Otherwise glibc's timers.
	 */
	TWO_THREADS("two-threads", "two threads sending A and AAAA at once on one socket");

	private final String id;

	private final String title;

	ResolverKind(String id, String title) {
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

	public boolean glibc() {
		return this != MUSL;
	}

	/** Whether the two queries of a pair leave from two threads (two CPUs). */
	public boolean twoThreads() {
		return this == TWO_THREADS;
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
		return Identified.ids(ResolverKind.class);
	}

	public static Optional<ResolverKind> fromId(String id) {
		return Identified.fromId(ResolverKind.class, id);
	}

}
