package dev.racetrack.sim;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.PacketHeader;

/**
 * NodeLocal DNSCache (the {@code node-local-dns} DaemonSet): a cache on the node,
 * listening on the link-local address {@code 169.254.20.10}, whose traffic the raw table
 * exempts from conntrack (NOTRACK) and which pods reach without any DNAT. A miss is
 * forwarded upstream to kube-dns over TCP ({@code force_tcp}), so no UDP packet of a
 * lookup ever races in conntrack. Answers are cached for their TTL (30 s).
 */
final class NodeLocalDns implements Stack.Socket {

	static final long TTL_NANOS = 30_000_000_000L;

	private final NodeRun run;

	private final LocalStack listener;

	private final LocalStack upstream;

	private final Map<String, long[]> cache = new HashMap<>();

	private final Map<String, DnsMessage> answers = new HashMap<>();

	private final Map<String, ArrayDeque<PacketHeader>> waiting = new HashMap<>();

	NodeLocalDns(NodeRun run, int listenIp, int nodeIp) {
		this.run = run;
		this.listener = new LocalStack(run, "node-local-dns", listenIp, run.random("node-local-dns"));
		this.upstream = new LocalStack(run, "node-local-dns", nodeIp, run.random("node-local-dns-upstream"));
		this.listener.bind(53, this);
		run.node().attachLocal(listenIp, this.listener);
		run.node().attachLocal(nodeIp, this.upstream);
	}

	@Override
	public void receive(long packetId, PacketHeader h) {
		DnsMessage q = h.dns();
		if (q == null || q.response()) {
			return;
		}
		String key = q.type() + " " + q.name();
		long[] entry = this.cache.get(key);
		if (entry != null && entry[0] > this.run.sim().now()) {
			answer(h, this.answers.get(key), "a cached answer");
			return;
		}
		ArrayDeque<PacketHeader> queue = this.waiting.computeIfAbsent(key, (k) -> new ArrayDeque<>());
		queue.add(h);
		if (queue.size() > 1) {
			return;
		}
		Flow flow = this.run.internalFlow(this.upstream, "upstream " + q.name());
		DnsMessage upstreamQuery = DnsMessage.query(q.id(), q.name(), q.type());
		new TcpClient(this.upstream, flow, this.run.topology().clusterDnsIp(), 53, 0, null, List.of(upstreamQuery),
				new TcpClient.Listener() {
					@Override
					public void connected(TcpClient client) {
					}

					@Override
					public void answered(TcpClient client, DnsMessage answer) {
						NodeLocalDns.this.cache.put(key, new long[] { NodeLocalDns.this.run.sim().now() + TTL_NANOS });
						NodeLocalDns.this.answers.put(key, answer);
						ArrayDeque<PacketHeader> asked = NodeLocalDns.this.waiting.remove(key);
						if (asked != null) {
							for (PacketHeader request : asked) {
								answer(request, answer, "kube-dns's answer, fetched over TCP");
							}
						}
					}

					@Override
					public void closed(TcpClient client, boolean ok) {
						NodeLocalDns.this.waiting.remove(key);
					}
				}, false)
			.start();
	}

	private void answer(PacketHeader request, DnsMessage upstreamAnswer, String what) {
		DnsMessage q = request.dns();
		DnsMessage reply = new DnsMessage(q.id(), q.name(), q.type(), true, upstreamAnswer.rcode(),
				upstreamAnswer.answers());
		this.run.sim()
			.after(this.run.timing().podStackNanos(),
					() -> this.listener.send(PacketHeader.udp(request.tuple().invert(), reply), null, "sendmsg",
							"node-local-dns answers " + q.label() + " " + q.name() + " with " + what + ".", null, 0));
	}

}
