package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.DnsWire;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;
import dev.racetrack.sim.Views.FlowView;

/**
 * A connecting TCP socket in a pod: SYN, SYN retransmission per the kernel's back-off
 * ({@link SynBackoff}), the ACK of the handshake, then either a hold and an active close
 * (an HTTP-like request) or DNS queries over the stream ({@code use-vc}), then FIN. The
 * connect latency is the time from {@code connect()} to the SYN-ACK.
 */
final class TcpClient implements Stack.Socket {

	/** Called when the socket is done (closed, or failed). */
	interface Listener {

		void connected(TcpClient client);

		void answered(TcpClient client, DnsMessage answer);

		void closed(TcpClient client, boolean ok);

	}

	private enum State {

		SYN_SENT, ESTABLISHED, FIN_WAIT, CLOSED

	}

	private final Stack pod;

	private final Flow flow;

	private final int dstIp;

	private final int dstPort;

	private final int localPort;

	private final long isn;

	private final Integer cpu;

	private final List<DnsMessage> queries;

	private final Listener listener;

	private final boolean ownsFlow;

	private final long startNanos;

	private State state = State.SYN_SENT;

	private int transmissions;

	private long nextSeq;

	private long serverNext;

	private int answersPending;

	private Simulation.Timer rto;

	private Simulation.Timer connectTimeout;

	private long connectTimeoutNanos;

	private boolean persistent;

	private final java.util.ArrayDeque<Runnable> requests = new java.util.ArrayDeque<>(2);

	private Runnable awaiting;

	/**
	 * @param sourcePort a fixed local port, or 0 for an ephemeral one
	 * @param cpu the CPU of the connecting thread: every packet the socket sends is
	 * processed there ({@code netif_rx} on the sender's backlog), or {@code null} to
	 * steer by hash
	 * @param queries DNS queries to send once connected ({@code use-vc}), or empty
	 * @param ownsFlow whether the flow is this connection (a lookup over TCP owns its own
	 * flow)
	 */
	TcpClient(Stack pod, Flow flow, int dstIp, int dstPort, int sourcePort, Integer cpu, List<DnsMessage> queries,
			Listener listener, boolean ownsFlow) {
		this.pod = pod;
		this.flow = flow;
		this.dstIp = dstIp;
		this.dstPort = dstPort;
		this.localPort = (sourcePort > 0) ? sourcePort : pod.connectPort(dstIp, dstPort);
		this.cpu = cpu;
		NodeRun run = pod.run();
		this.isn = ((run.sim().now() >>> 6) + pod.random().nextInt(1 << 16)) & 0xffffffffL;
		this.queries = new ArrayList<>(queries);
		this.listener = listener;
		this.ownsFlow = ownsFlow;
		this.startNanos = run.sim().now();
	}

	Flow flow() {
		return this.flow;
	}

	int localPort() {
		return this.localPort;
	}

	long connectLatencyNanos() {
		return this.flow.latencyNanos();
	}

	/**
	 * Keeps the connection open after the handshake and carries {@link #request}s over it
	 * (the keep-alive mitigation) instead of holding and closing.
	 */
	TcpClient persistent() {
		this.persistent = true;
		return this;
	}

	/**
	 * Gives the connect up after {@code nanos} (a dial timeout, e.g. Go's
	 * {@code net.DialTimeout}): the socket is closed, no SYN is sent again, and the flow
	 * fails.
	 */
	TcpClient connectTimeout(long nanos) {
		this.connectTimeoutNanos = nanos;
		return this;
	}

	boolean closed() {
		return this.state == State.CLOSED;
	}

	/**
	 * Sends a request over the connection once it is established, and calls
	 * {@code onResponse} when the server's answer arrives. Requests go one at a time.
	 */
	void request(Runnable onResponse) {
		this.requests.add(onResponse);
		sendNextRequest();
	}

	private void sendNextRequest() {
		if (this.state != State.ESTABLISHED || this.awaiting != null || this.requests.isEmpty()) {
			return;
		}
		this.awaiting = this.requests.poll();
		Tuple t = new Tuple(L4Proto.TCP, this.pod.ip(), this.localPort, this.dstIp, this.dstPort);
		int length = 200;
		this.pod.send(new PacketHeader(t, TcpFlags.PSH | TcpFlags.ACK, this.nextSeq, this.serverNext, length, null),
				this.flow, "tcp_sendmsg", traced() ? this.pod.name()
						+ " sends a request over its open connection: no new SYN, no " + "new conntrack entry." : null,
				this.cpu, 0);
		this.nextSeq += length;
	}

	void start() {
		if (this.localPort < 0) {
			finish(false, "`connect()` finds no free local port (EADDRNOTAVAIL)");
			return;
		}
		this.pod.bind(this.localPort, this);
		if (this.connectTimeoutNanos > 0) {
			this.connectTimeout = this.pod.run()
				.timer(this.flow, "dial-timeout", this.connectTimeoutNanos, this::dialTimeout);
		}
		this.nextSeq = this.isn + 1;
		sendSyn("tcp_v4_connect", traced() ? this.pod.name() + " calls `connect()` to " + Ipv4.format(this.dstIp) + ":"
				+ this.dstPort + " from port " + this.localPort + " and sends a SYN." : null, this.cpu);
	}

	private void dialTimeout() {
		this.connectTimeout = null;
		if (this.state != State.SYN_SENT) {
			return;
		}
		this.pod.run().cancel(this.flow, "syn-rto", this.rto);
		finish(false, "its dial timeout of " + format(this.connectTimeoutNanos) + " passes; it closes the socket");
	}

	private void sendSyn(String func, String caption, Integer cpu) {
		Tuple t = new Tuple(L4Proto.TCP, this.pod.ip(), this.localPort, this.dstIp, this.dstPort);
		this.pod.send(PacketHeader.tcp(t, TcpFlags.SYN, this.isn, 0), this.flow, func, caption, cpu, 0);
		long rtoNanos = SynBackoff.rtoNanos(this.pod.run().config().kernel(), this.transmissions);
		this.transmissions++;
		NodeRun run = this.pod.run();
		this.rto = run.timer(this.flow, "syn-rto", rtoNanos, this::retransmit);
	}

	private void retransmit() {
		if (this.state != State.SYN_SENT) {
			return;
		}
		if (this.transmissions > SynBackoff.retransmissions(this.pod.run().config().kernel())) {
			finish(false, null);
			return;
		}
		this.flow.retransmitted();
		long elapsed = this.pod.run().sim().now() - this.startNanos;
		sendSyn("tcp_retransmit_timer",
				traced() ? this.pod.name() + "'s SYN got no answer: `tcp_retransmit_timer` resends it "
						+ String.format(java.util.Locale.ROOT, "%.0f", elapsed / 1e9)
						+ " s after `connect()`, same ports." : null,
				this.cpu);
	}

	@Override
	public void receive(long packetId, PacketHeader h) {
		NodeRun run = this.pod.run();
		int flags = h.tcpFlags();
		if (this.state == State.SYN_SENT && TcpFlags.has(flags, TcpFlags.SYN | TcpFlags.ACK)) {
			run.cancel(this.flow, "syn-rto", this.rto);
			if (this.connectTimeout != null) {
				run.cancel(this.flow, "dial-timeout", this.connectTimeout);
				this.connectTimeout = null;
			}
			this.state = State.ESTABLISHED;
			this.serverNext = h.seq() + 1;
			if (this.ownsFlow) {
				this.flow.finish(true, run.sim().now());
			}
			if (this.ownsFlow && run.trace().on()) {
				FlowView v = this.flow.view();
				run.trace()
					.at(run.sim().now())
					.packet(packetId)
					.iface(this.pod.name())
					.func("tcp_finish_connect")
					.text(this.pod.name() + " is connected after " + format(v.latencyNs()) + (v.retransmits() > 0
							? ", " + v.retransmits() + " SYN retransmission" + (v.retransmits() > 1 ? "s" : "") : "")
							+ ".")
					.emit(new Change.FlowDone(v));
			}
			this.listener.connected(this);
			run.sim().scheduleAfter(run.timing().podStackNanos(), () -> {
				sendFlags(TcpFlags.ACK, "tcp_send_ack",
						traced() ? this.pod.name() + " completes the handshake with an ACK." : null);
				if (this.persistent) {
					sendNextRequest();
				}
				else if (this.queries.isEmpty()) {
					run.sim().scheduleAfter(run.timing().holdNanos(), this::close);
				}
				else {
					sendQueries();
				}
			});
			return;
		}
		if (this.state == State.ESTABLISHED && this.persistent && h.payloadLength() > 0 && h.dns() == null) {
			this.serverNext = h.seq() + h.payloadLength();
			Runnable done = this.awaiting;
			this.awaiting = null;
			if (done != null) {
				done.run();
			}
			sendNextRequest();
			return;
		}
		if (this.state == State.ESTABLISHED && h.dns() != null && h.dns().response()) {
			this.serverNext = h.seq() + h.payloadLength();
			this.listener.answered(this, h.dns());
			if (--this.answersPending <= 0) {
				run.sim().scheduleAfter(run.timing().podStackNanos(), this::close);
			}
			return;
		}
		if (this.state == State.FIN_WAIT && TcpFlags.has(flags, TcpFlags.FIN)) {
			this.serverNext = h.seq() + 1;
			run.sim().scheduleAfter(run.timing().podStackNanos(), () -> {
				sendFlags(TcpFlags.ACK, "tcp_send_ack",
						traced() ? this.pod.name() + " acknowledges the server's FIN." : null);
				this.pod.timeWait(this.localPort, this.dstIp, this.dstPort);
				finish(true, null);
			});
		}
	}

	private void sendQueries() {
		this.answersPending = this.queries.size();
		for (DnsMessage q : this.queries) {
			Tuple t = new Tuple(L4Proto.TCP, this.pod.ip(), this.localPort, this.dstIp, this.dstPort);
			int length = 2 + DnsWire.length(q);
			this.pod.send(new PacketHeader(t, TcpFlags.PSH | TcpFlags.ACK, this.nextSeq, this.serverNext, length, q),
					this.flow, "send_vc",
					traced() ? this.pod.name() + " sends " + q.label() + " " + q.name() + " over TCP." : null, this.cpu,
					0);
			this.nextSeq += length;
		}
	}

	private void close() {
		if (this.state != State.ESTABLISHED) {
			return;
		}
		this.state = State.FIN_WAIT;
		sendFlags(TcpFlags.FIN | TcpFlags.ACK, "tcp_send_fin",
				traced() ? this.pod.name() + " closes the connection with a FIN." : null);
		this.nextSeq++;
	}

	private void sendFlags(int flags, String func, String caption) {
		Tuple t = new Tuple(L4Proto.TCP, this.pod.ip(), this.localPort, this.dstIp, this.dstPort);
		this.pod.send(PacketHeader.tcp(t, flags, this.nextSeq, this.serverNext), this.flow, func, caption, this.cpu, 0);
	}

	/** Whether captions are wanted: an untraced run builds none. */
	private boolean traced() {
		return this.pod.run().trace().on();
	}

	/**
	 * Closes the socket. A connect that fails says why ({@code null}: the kernel gave up
	 * retransmitting the SYN).
	 */
	private void finish(boolean ok, String why) {
		if (this.state == State.CLOSED) {
			return;
		}
		boolean wasConnecting = this.state == State.SYN_SENT;
		this.state = State.CLOSED;
		if (this.localPort >= 0) {
			this.pod.unbind(this.localPort, this);
		}
		NodeRun run = this.pod.run();
		if (wasConnecting && this.ownsFlow) {
			this.flow.finish(false, run.sim().now());
			if (run.trace().on()) {
				run.trace()
					.at(run.sim().now())
					.iface(this.pod.name())
					.func("tcp_write_err")
					.text(this.pod.name() + " gives up connecting"
							+ ((why != null) ? ": " + why
									: " after " + SynBackoff.retransmissions(run.config().kernel())
											+ " SYN retransmissions")
							+ ".")
					.emit(new Change.FlowDone(this.flow.view()));
			}
		}
		this.listener.closed(this, ok);
	}

	static String format(long nanos) {
		if (nanos >= 1_000_000_000L) {
			return String.format(java.util.Locale.ROOT, "%.3f s", nanos / 1e9);
		}
		if (nanos >= 1_000_000L) {
			return String.format(java.util.Locale.ROOT, "%.2f ms", nanos / 1e6);
		}
		return String.format(java.util.Locale.ROOT, "%.1f µs", nanos / 1e3);
	}

}
