package dev.racetrack.kernel;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.ConfirmResult.Resolution;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackInResult;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.conntrack.ConntrackTable;
import dev.racetrack.kernel.conntrack.IpsStatus;
import dev.racetrack.kernel.conntrack.Skb;
import dev.racetrack.kernel.conntrack.TupleHash;
import dev.racetrack.kernel.hook.NatHookResult;
import dev.racetrack.kernel.hook.Netfilter;
import dev.racetrack.kernel.iptables.Cidr;
import dev.racetrack.kernel.iptables.KubeProxy;
import dev.racetrack.kernel.iptables.Match;
import dev.racetrack.kernel.iptables.Rule;
import dev.racetrack.kernel.iptables.Table;
import dev.racetrack.kernel.iptables.Target;
import dev.racetrack.kernel.nat.NatRange;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.DnsMessage;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node's netfilter driven by hand: a test moves each packet through the hook steps on a
 * CPU of its choice, so that it can interleave two CPUs exactly as a race needs, and
 * checks the table's invariants after every step.
 */
public final class KernelHarness {

	public static final String NODE_IP = "10.0.0.1";

	public static final String SERVER_IP = "10.0.0.99";

	public static final String CLUSTER_IP = "10.96.0.10";

	public static final Cidr CLUSTER_CIDR = Cidr.parse("10.32.0.0/12");

	private final Netfilter netfilter;

	private long nowNanos = 1_000_000;

	private long nextPacketId = 1;

	private final List<String> log = new ArrayList<>();

	private final Outcomes outcomes = new Outcomes();

	public KernelHarness(KernelProfile profile, SnatMode mode, int cpus, List<String> endpoints, long seed) {
		this(profile, cpus, kubernetesNode(mode, endpoints), ConntrackTable.DEFAULT_MAX, KernelRandom.seeded(seed));
	}

	/**
	 * A node with a nat table of the test's choosing, {@code nf_conntrack_max} and the
	 * kernel's randomness.
	 */
	public KernelHarness(KernelProfile profile, int cpus, Table nat, int conntrackMax, KernelRandom random) {
		this.netfilter = new Netfilter(profile, cpus, nat, Table.raw(), conntrackMax, random,
				(iface) -> Ipv4.parse(NODE_IP));
	}

	/**
	 * The nat table of a Kubernetes node: kube-proxy's base chains, pod-to-pod traffic
	 * exempt, MASQUERADE for the rest, and kube-dns behind {@link #CLUSTER_IP} when
	 * endpoints are given.
	 */
	public static Table kubernetesNode(SnatMode mode, List<String> endpoints) {
		Table nat = Table.nat();
		KubeProxy.addBase(nat, mode);
		nat.append("POSTROUTING", Rule.of(new Target.Return(), new Match.Source(CLUSTER_CIDR, false),
				new Match.Destination(CLUSTER_CIDR, false)));
		nat.append("POSTROUTING", Rule.of(new Target.Masquerade(mode), new Match.Source(CLUSTER_CIDR, false),
				new Match.Destination(Cidr.parse("224.0.0.0/4"), true)));
		if (!endpoints.isEmpty()) {
			KubeProxy.addService(nat, "kube-system/kube-dns:dns", L4Proto.UDP, Ipv4.parse(CLUSTER_IP), 53,
					endpoints.stream().map(Ipv4::parse).toList(), CLUSTER_CIDR);
		}
		return nat;
	}

	public static KernelHarness masquerade(KernelProfile profile, String mode) {
		return new KernelHarness(profile, SnatMode.fromId(mode).orElseThrow(), 2, List.of("10.32.0.6"), 1);
	}

	public Netfilter netfilter() {
		return this.netfilter;
	}

	public List<String> log() {
		return this.log;
	}

	public void advance(long nanos) {
		this.nowNanos += nanos;
	}

	public long now() {
		return this.nowNanos;
	}

	public Skb syn(String podIp, int sport) {
		return new Skb(this.nextPacketId++, PacketHeader.tcp(Tuple.of(L4Proto.TCP, podIp, sport, SERVER_IP, 80),
				TcpFlags.SYN, 1000 + this.nextPacketId, 0));
	}

	/**
	 * A TCP segment of any tuple, flags and sequence number (replies, FINs, retransmits).
	 */
	public Skb tcp(Tuple tuple, int flags, long seq) {
		return new Skb(this.nextPacketId++, PacketHeader.tcp(tuple, flags, seq, 0));
	}

	/** A UDP datagram of any tuple (DNS replies, retries). */
	public Skb udp(Tuple tuple) {
		return new Skb(this.nextPacketId++, PacketHeader.udp(tuple, null));
	}

	/** The outcomes of every flight so far, for the counter invariants. */
	public Outcomes outcomes() {
		return this.outcomes;
	}

	public Skb dns(String podIp, int sport, DnsMessage.QueryType type) {
		return new Skb(this.nextPacketId++, PacketHeader.udp(Tuple.of(L4Proto.UDP, podIp, sport, CLUSTER_IP, 53),
				DnsMessage.query(42, "example.com", type)));
	}

	/** A packet on its way out of the node: its steps, one at a time. */
	public final class Flight {

		private final Skb skb;

		private final int cpu;

		private int step;

		private boolean dropped;

		private ConfirmResult confirm;

		private NatHookResult snat;

		private NatHookResult dnat;

		Flight(Skb skb, int cpu) {
			this.skb = skb;
			this.cpu = cpu;
		}

		public Skb skb() {
			return this.skb;
		}

		/** Runs the next hook step; returns this for chaining. */
		public Flight step() {
			switch (this.step++) {
				case 0 -> {
					ConntrackInResult r = KernelHarness.this.netfilter.conntrackIn(this.skb, this.cpu,
							KernelHarness.this.nowNanos);
					this.dropped = r instanceof ConntrackInResult.TableFull;
					KernelHarness.this.outcomes.record(r);
					note("nf_conntrack_in " + r.getClass().getSimpleName());
				}
				case 1 -> {
					this.dnat = KernelHarness.this.netfilter.natPrerouting(this.skb, "cni0", this.cpu,
							KernelHarness.this.nowNanos);
					note("nat PREROUTING " + this.skb.tuple());
				}
				case 2 -> {
					this.snat = KernelHarness.this.netfilter.natPostrouting(this.skb, "eth0", this.cpu,
							KernelHarness.this.nowNanos);
					note("nat POSTROUTING " + ((this.snat.setup() != null) ? this.snat.setup().step() : "-"));
				}
				case 3 -> {
					KernelHarness.this.netfilter.natPacketSrc(this.skb);
					note("nf_nat_packet " + this.skb.tuple());
				}
				case 4 -> {
					this.confirm = KernelHarness.this.netfilter.confirm(this.skb, this.cpu,
							KernelHarness.this.nowNanos);
					this.dropped = this.confirm instanceof ConfirmResult.Clash c && c.dropped()
							|| this.confirm instanceof ConfirmResult.ChainTooLong;
					KernelHarness.this.outcomes.record(this.confirm);
					note("confirm " + this.confirm.getClass().getSimpleName());
				}
				default -> throw new IllegalStateException("no more steps");
			}
			KernelHarness.this.checkInvariants();
			return this;
		}

		/** Runs steps until the packet leaves POSTROUTING. */
		public Flight finish() {
			while (this.step < 5 && !this.dropped) {
				step();
			}
			return this;
		}

		/**
		 * Runs steps up to and including {@code n} (0-based: 0 ct_in, 1 DNAT, 2 SNAT, 3
		 * nat_packet, 4 confirm).
		 */
		public Flight through(int n) {
			while (this.step <= n && !this.dropped) {
				step();
			}
			return this;
		}

		public boolean dropped() {
			return this.dropped;
		}

		public ConfirmResult confirmResult() {
			return this.confirm;
		}

		public NatHookResult snat() {
			return this.snat;
		}

		public NatHookResult dnat() {
			return this.dnat;
		}

		private void note(String what) {
			KernelHarness.this.log.add("cpu" + this.cpu + " pkt" + this.skb.id() + " " + what);
		}

	}

	public Flight send(Skb skb, int cpu) {
		return new Flight(skb, cpu);
	}

	/**
	 * What happened to the flights, counted by the harness itself, so that the statistics
	 * can be checked against it.
	 */
	public static final class Outcomes {

		private int dropped;

		private int tableFull;

		private int clashDropped;

		private int merged;

		private int clashEntries;

		private int chainTooLong;

		void record(ConntrackInResult r) {
			if (r instanceof ConntrackInResult.TableFull) {
				this.dropped++;
				this.tableFull++;
			}
		}

		void record(ConfirmResult r) {
			if (r instanceof ConfirmResult.Clash c) {
				switch (c.resolution()) {
					case DROP -> {
						this.dropped++;
						this.clashDropped++;
					}
					case MERGED -> this.merged++;
					case CLASH_ENTRY -> this.clashEntries++;
				}
			}
			else if (r instanceof ConfirmResult.ChainTooLong) {
				this.dropped++;
				this.chainTooLong++;
			}
		}

		/** Flights dropped, by a full table or by confirm. */
		public int dropped() {
			return this.dropped;
		}

		/** Clashes that ended in {@link Resolution#DROP}. */
		public int clashDropped() {
			return this.clashDropped;
		}

		/** Clashes whose packet continued with the winner. */
		public int merged() {
			return this.merged;
		}

		/** Clashes that inserted a clash entry. */
		public int clashEntries() {
			return this.clashEntries;
		}

	}

	/**
	 * Table and counter invariants (src/docs/style-anchors.md, TigerBeetle: assert
	 * invariants), checked after every step:
	 * <ul>
	 * <li>no two confirmed entries share an original or a reply tuple; every confirmed
	 * entry is found by both of its tuples (a clash entry by its reply only); unconfirmed
	 * entries are not in the hash;</li>
	 * <li>{@code nf_conntrack_count} is confirmed plus unconfirmed entries;</li>
	 * <li>clash entries have a fixed timeout and are never ASSURED;</li>
	 * <li>the counters agree with what happened to the flights, per §4: {@code drop} ==
	 * dropped flights; {@code insert} stays 0; before 5.10 {@code insert_failed} counts
	 * every dropped or merged clash (a 5.6 clash entry counts nothing); from 5.10
	 * {@code insert_failed} counts only unresolved ones and {@code clash_resolve} the
	 * resolved ones.</li>
	 * </ul>
	 */
	public void checkInvariants() {
		java.util.Set<Tuple> seen = new java.util.HashSet<>();
		ConntrackTable table = this.netfilter.table();
		for (Conntrack ct : table.confirmed()) {
			assertThat(ct.has(IpsStatus.CONFIRMED) && !ct.removed()).as("%s is confirmed and live", ct).isTrue();
			boolean live = !ct.expired(this.nowNanos);
			if (!ct.clashEntry()) {
				assertThat(seen.add(ct.original())).as("original tuple of %s is unique", ct).isTrue();
				if (live) {
					TupleHash byOrig = findRaw(ct.original());
					assertThat(byOrig).as("%s is found by its original tuple", ct).isNotNull();
					assertThat(byOrig.ct()).isSameAs(ct);
				}
			}
			else {
				assertThat(ct.has(IpsStatus.FIXED_TIMEOUT)).as("clash entry %s has a fixed timeout", ct).isTrue();
				assertThat(ct.has(IpsStatus.ASSURED)).as("clash entry %s is never ASSURED", ct).isFalse();
			}
			assertThat(seen.add(ct.reply())).as("reply tuple of %s is unique", ct).isTrue();
			if (live) {
				assertThat(findRaw(ct.reply()).ct()).as("%s is found by its reply tuple", ct).isSameAs(ct);
			}
		}
		int unconfirmed = 0;
		for (int cpu = 0; cpu < table.cpus(); cpu++) {
			for (Conntrack ct : table.unconfirmed(cpu)) {
				unconfirmed++;
				assertThat(ct.confirmed()).isFalse();
				TupleHash h = findRaw(ct.original());
				assertThat(h == null || h.ct() != ct).as("unconfirmed %s is not in the hash", ct).isTrue();
			}
		}
		assertThat(table.count()).as("nf_conntrack_count").isEqualTo(table.confirmedCount() + unconfirmed);
		checkCounters();
	}

	private void checkCounters() {
		ConntrackStats stats = this.netfilter.stats();
		Outcomes o = this.outcomes;
		assertThat(stats.total(Counter.INSERT)).as("insert stays 0 (only ctnetlink inserts count it)").isZero();
		assertThat(stats.total(Counter.DROP)).as("drop == dropped flights").isEqualTo(o.dropped);
		if (this.netfilter.profile().has(KernelBehaviour.CLASH_RESOLVE_COUNTER)) {
			assertThat(stats.total(Counter.INSERT_FAILED)).as("insert_failed == unresolved clashes")
				.isEqualTo(o.clashDropped + o.chainTooLong);
			assertThat(stats.total(Counter.CLASH_RESOLVE)).as("clash_resolve == resolved clashes")
				.isEqualTo(o.merged + o.clashEntries);
		}
		else {
			assertThat(stats.total(Counter.INSERT_FAILED)).as("insert_failed == dropped + merged clashes")
				.isEqualTo(o.clashDropped + o.merged);
			assertThat(stats.total(Counter.CLASH_RESOLVE)).as("no clash_resolve before 5.10").isZero();
		}
	}

	private TupleHash findRaw(Tuple tuple) {
		return this.netfilter.find(tuple, this.nowNanos);
	}

}
