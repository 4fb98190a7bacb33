package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.PacketHeader;

/**
 * A stub resolver in a pod, as src/docs/netfilter-races.md §6 describes them:
 * <ul>
 * <li>glibc ({@code res_send.c} {@code send_dg}): A and AAAA back to back on one UDP
 * socket, a 5 s wait per try, 2 tries; when a try times out with one answer, it sets
 * {@code RES_SNGLKUP} (then {@code RES_SNGLKUPREOP}) on the resolver state for good and
 * retries at once on the same socket, so the retry follows the winner's conntrack entry:
 * a ≈5 s stall.</li>
 * <li>{@code single-request}: the second query only after the first answer; {@code
 * single-request-reopen}: the same, from a new socket; {@code use-vc}: over TCP.</li>
 * <li>musl ({@code res_msend}): both queries at once from one socket, unanswered ones
 * resent every {@code timeout/attempts} = 2.5 s until 5 s have passed: a ≈2.5 s
 * stall.</li>
 * </ul>
 * Each name of the search list (ndots, search domains) is tried in turn, each from a new
 * socket, so each is another A/AAAA pair.
 */
final class Resolver implements Stack.Socket {

	static final long GLIBC_TIMEOUT_NANOS = 5_000_000_000L;

	static final int GLIBC_ATTEMPTS = 2;

	static final long MUSL_RETRY_NANOS = 2_500_000_000L;

	static final long MUSL_TOTAL_NANOS = 5_000_000_000L;

	private static final class Query {

		final DnsMessage message;

		boolean answered;

		int rcode;

		Query(DnsMessage message) {
			this.message = message;
		}

	}

	private final Stack pod;

	private final Flow flow;

	private final LookupOptions options;

	private final Runnable onDone;

	private final List<String> candidates;

	private int next;

	private final List<Query> queries = new ArrayList<>(2);

	private int port = -1;

	private int attempt;

	private boolean firstTry = true;

	private boolean parallelTry;

	private long candidateStart;

	private Simulation.Timer timer;

	private String timerName;

	Resolver(Stack pod, Flow flow, LookupOptions options, Runnable onDone) {
		this.pod = pod;
		this.flow = flow;
		this.options = options;
		this.onDone = onDone;
		this.candidates = candidates(options.name(), options.ndots(), options.search());
	}

	/**
	 * {@code res_search}: with fewer than ndots dots, the search domains first, then the
	 * name as is.
	 */
	static List<String> candidates(String name, int ndots, List<String> search) {
		List<String> list = new ArrayList<>();
		if (name.endsWith(".")) {
			list.add(name.substring(0, name.length() - 1));
			return list;
		}
		long dots = name.chars().filter((c) -> c == '.').count();
		if (dots >= ndots) {
			list.add(name);
		}
		for (String domain : search) {
			list.add(name + "." + domain);
		}
		if (dots < ndots) {
			list.add(name);
		}
		return list;
	}

	void start() {
		nextCandidate();
	}

	private NodeRun run() {
		return this.pod.run();
	}

	private void nextCandidate() {
		closeSocket();
		if (this.next >= this.candidates.size()) {
			finish(false, "no name of the search list resolved");
			return;
		}
		String name = this.candidates.get(this.next++);
		this.queries.clear();
		int id = this.pod.random().nextInt(1 << 16);
		this.queries.add(new Query(DnsMessage.query(id, name, QueryType.A)));
		this.queries.add(new Query(DnsMessage.query((id + 1) & 0xffff, name, QueryType.AAAA)));
		this.attempt = 0;
		this.candidateStart = run().sim().now();
		if (this.options.kind() == ResolverKind.GLIBC_USE_VC) {
			lookupOverTcp();
			return;
		}
		openSocket();
		sendTry();
	}

	private void openSocket() {
		this.port = this.pod.udpPort();
		this.pod.bind(this.port, this);
	}

	private void closeSocket() {
		if (this.port >= 0) {
			this.pod.unbind(this.port, this);
			this.port = -1;
		}
	}

	private boolean sequential() {
		return switch (this.options.kind()) {
			case GLIBC -> this.pod.singleRequest();
			case GLIBC_SINGLE_REQUEST, GLIBC_SINGLE_REQUEST_REOPEN -> true;
			default -> false;
		};
	}

	private boolean reopening() {
		return this.options.kind() == ResolverKind.GLIBC_SINGLE_REQUEST_REOPEN || this.pod.singleRequestReopen();
	}

	private void sendTry() {
		this.attempt++;
		this.parallelTry = !sequential();
		if (this.parallelTry) {
			Query a = this.queries.get(0);
			Query aaaa = this.queries.get(1);
			boolean pinned = this.firstTry;
			boolean twoThreads = this.options.kind().twoThreads();
			Integer cpuAaaa = (twoThreads || (pinned && this.options.pairGapNanos() != null)) ? this.options.cpuAaaa()
					: this.options.cpuA();
			send(a, this.options.cpuA(), 0, sendCaption(a, "sends"));
			long gap = (this.options.pairGapNanos() != null && pinned) ? this.options.pairGapNanos() : pairGap();
			run().sim()
				.scheduleAfter(gap,
						() -> send(aaaa, cpuAaaa, this.options.secondPacketDelayNanos(), sendCaption(aaaa, twoThreads
								? "sends, from a second thread on the same socket," : "sends, on the same socket,")));
		}
		else {
			sendNextSequential();
		}
		this.firstTry = false;
		armTimer();
	}

	private String sendCaption(Query q, String verb) {
		if (!run().trace().on()) {
			return null;
		}
		String who = this.options.kind().glibc() ? "glibc's `send_dg`" : "musl's `res_msend`";
		return this.pod.name() + ": " + who + " " + verb + " " + q.message.label() + " " + q.message.name()
				+ " from port " + this.port + ".";
	}

	/**
	 * How long after A the AAAA leaves: two threads within 0–2 µs, musl's second
	 * {@code sendto} 14–33 µs later (src/docs/kernel-window.md §2), glibc's
	 * {@code sendmmsg} the timing model's gap.
	 */
	private long pairGap() {
		TimingModel t = run().timing();
		return switch (this.options.kind()) {
			case TWO_THREADS -> this.pod.random().uniform(0, 2_000);
			case MUSL -> this.pod.random().uniform(14_000, 33_000);
			default -> t.dnsPairGapMinNanos() + this.pod.random().exponential(t.dnsPairGapMeanNanos());
		};
	}

	private void sendNextSequential() {
		for (Query q : this.queries) {
			if (!q.answered) {
				send(q, this.options.cpuA(), 0, sendCaption(q, "sends"));
				return;
			}
		}
	}

	private void send(Query q, Integer cpu, long extraDelay, String caption) {
		if (this.port < 0) {
			return;
		}
		this.pod.send(PacketHeader.udp(RemoteHosts.udp(this.pod.ip(), this.port, run().nameserver(), 53), q.message),
				this.flow, this.options.kind().glibc() ? "send_dg" : "__res_msend", caption, cpu, extraDelay);
	}

	private void armTimer() {
		cancelTimer();
		boolean musl = this.options.kind() == ResolverKind.MUSL;
		this.timerName = musl ? "musl-retry" : "resolver-timeout";
		long delay = musl ? MUSL_RETRY_NANOS : GLIBC_TIMEOUT_NANOS;
		this.timer = run().timer(this.flow, this.timerName, delay, this::timeout);
	}

	private void cancelTimer() {
		if (this.timer != null) {
			run().cancel(this.flow, this.timerName, this.timer);
			this.timer = null;
		}
	}

	@Override
	public void receive(long packetId, PacketHeader h) {
		DnsMessage m = h.dns();
		if (m == null || !m.response() || h.tuple().srcIp() != run().nameserver()) {
			return;
		}
		for (Query q : this.queries) {
			if (!q.answered && q.message.id() == m.id() && q.message.type() == m.type()) {
				q.answered = true;
				q.rcode = m.rcode();
				answered();
				return;
			}
		}
	}

	private void answered() {
		if (this.queries.stream().allMatch((q) -> q.answered)) {
			cancelTimer();
			candidateDone();
			return;
		}
		if (!this.parallelTry) {
			cancelTimer();
			if (reopening()) {
				closeSocket();
				openSocket();
			}
			sendNextSequential();
			armTimer();
		}
	}

	private void timeout() {
		this.timer = null;
		long answered = this.queries.stream().filter((q) -> q.answered).count();
		if (this.options.kind() == ResolverKind.MUSL) {
			if (run().sim().now() - this.candidateStart >= MUSL_TOTAL_NANOS) {
				finish(false, "musl gave up after 5 s");
				return;
			}
			this.flow.retransmitted();
			for (Query q : this.queries) {
				if (!q.answered) {
					send(q, this.options.cpuA(), 0, this.pod.name() + ": musl resends the unanswered "
							+ q.message.label() + " after 2.5 s, from the same socket.");
				}
			}
			armTimer();
			return;
		}
		this.flow.retransmitted();
		if (answered == 1 && this.parallelTry && this.options.kind() == ResolverKind.GLIBC) {
			this.pod.singleRequest(true);
			this.parallelTry = false;
			note(this.pod.name() + ": `send_dg` waited 5 s with one answer, so glibc sets RES_SNGLKUP for good and"
					+ " asks again at once, A then AAAA, on the same socket: the same 5-tuple as before.");
			restartPair();
			sendNextSequential();
			armTimer();
			return;
		}
		if (answered == 1 && this.options.kind().glibc() && !reopening()) {
			this.pod.singleRequestReopen(true);
			note(this.pod.name() + ": glibc sets RES_SNGLKUPREOP and reopens its socket before asking again.");
			closeSocket();
			openSocket();
			restartPair();
			sendNextSequential();
			armTimer();
			return;
		}
		if (this.attempt < GLIBC_ATTEMPTS) {
			sendTry();
			return;
		}
		finish(false, "the resolver timed out");
	}

	/**
	 * glibc's {@code send_dg} after {@code goto retry}: the pair is asked again from the
	 * start, A then AAAA, not only the query that lost its answer (res_send.c [GLIBC]).
	 */
	private void restartPair() {
		for (Query q : this.queries) {
			q.answered = false;
		}
	}

	private void candidateDone() {
		Query a = this.queries.get(0);
		if (a.rcode == DnsMessage.NOERROR) {
			closeSocket();
			finish(true, null);
		}
		else {
			nextCandidate();
		}
	}

	private void lookupOverTcp() {
		List<DnsMessage> messages = this.queries.stream().map((q) -> q.message).toList();
		TcpClient client = new TcpClient(this.pod, this.flow, run().nameserver(), 53, 0, this.options.cpuA(), messages,
				new TcpClient.Listener() {
					@Override
					public void connected(TcpClient c) {
					}

					@Override
					public void answered(TcpClient c, DnsMessage answer) {
						for (Query q : Resolver.this.queries) {
							if (q.message.id() == answer.id() && q.message.type() == answer.type()) {
								q.answered = true;
								q.rcode = answer.rcode();
							}
						}
					}

					@Override
					public void closed(TcpClient c, boolean ok) {
						if (!ok || !Resolver.this.queries.stream().allMatch((q) -> q.answered)) {
							finish(false, "the TCP lookup failed");
						}
						else {
							candidateDone();
						}
					}
				}, false);
		client.start();
	}

	private void note(String text) {
		Tracer trace = run().trace();
		if (trace.on()) {
			trace.at(run().sim().now())
				.iface(this.pod.name())
				.func("send_dg")
				.text(text)
				.emit(new Change.ResolverOption(this.flow.id(), this.pod.name(),
						this.pod.singleRequestReopen() ? "single-request-reopen" : "single-request"));
		}
	}

	private void finish(boolean ok, String why) {
		if (this.flow.done()) {
			return;
		}
		cancelTimer();
		closeSocket();
		this.flow.finish(ok, run().sim().now());
		Tracer trace = run().trace();
		if (trace.on()) {
			String text = ok
					? this.pod.name() + " resolves " + this.options.name() + " in "
							+ TcpClient.format(this.flow.latencyNanos()) + "."
					: this.pod.name() + " fails to resolve " + this.options.name() + ": " + why + ".";
			trace.at(run().sim().now())
				.iface(this.pod.name())
				.func("getaddrinfo")
				.text(text)
				.emit(new Change.FlowDone(this.flow.view()));
		}
		this.onDone.run();
	}

}
