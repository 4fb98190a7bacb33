package dev.racetrack.kernel;

import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackCore;
import dev.racetrack.kernel.conntrack.ConntrackInResult;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackTable;
import dev.racetrack.kernel.conntrack.Skb;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.nat.NatCore;
import dev.racetrack.kernel.nat.NatRange;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Conntrack and NAT without iptables: a test calls {@code nf_conntrack_in},
 * {@code nf_nat_setup_info} (with the range it wants) and {@code __nf_conntrack_confirm}
 * itself, on the CPU it wants, to drive {@code get_unique_tuple} and the port search step
 * by step.
 */
public final class NatBench {

	/** The node's address: MASQUERADE's one-address range. */
	public static final int NODE = Ipv4.parse("10.0.0.1");

	public static final String SERVER = "10.0.0.99";

	private final ConntrackCore core;

	private final NatCore nat;

	private long nowNanos = 1_000_000_000L;

	private long nextSkb = 1;

	public NatBench(KernelProfile profile, KernelRandom random) {
		this(profile, 2, ConntrackTable.DEFAULT_MAX, random);
	}

	public NatBench(KernelProfile profile, int cpus, int conntrackMax, KernelRandom random) {
		ConntrackTable table = new ConntrackTable(cpus, ConntrackTable.DEFAULT_BUCKETS, conntrackMax);
		this.core = new ConntrackCore(profile, table, new ConntrackStats(cpus));
		this.nat = new NatCore(profile, this.core, random);
	}

	/** A packet and the entry {@code nf_conntrack_in} attached to it. */
	public record Packet(Skb skb, Conntrack ct, ConntrackInResult in) {
	}

	public ConntrackCore core() {
		return this.core;
	}

	public NatCore nat() {
		return this.nat;
	}

	public ConntrackTable table() {
		return this.core.table();
	}

	public ConntrackStats stats() {
		return this.core.stats();
	}

	public long now() {
		return this.nowNanos;
	}

	public void advance(long nanos) {
		this.nowNanos += nanos;
	}

	public static Tuple tcp(String src, int sport, String dst, int dport) {
		return Tuple.of(L4Proto.TCP, src, sport, dst, dport);
	}

	public static Tuple udp(String src, int sport, String dst, int dport) {
		return Tuple.of(L4Proto.UDP, src, sport, dst, dport);
	}

	/**
	 * {@code nf_conntrack_in} for a packet of {@code tuple} (TCP: a SYN with sequence
	 * number 1000) on a CPU; the flow must be new.
	 */
	public Packet open(Tuple tuple, int cpu) {
		return open(tuple, 1000, cpu);
	}

	/** As {@link #open(Tuple, int)}, with the SYN's sequence number. */
	public Packet open(Tuple tuple, long seq, int cpu) {
		Packet p = in(tuple, (tuple.proto() == L4Proto.TCP) ? TcpFlags.SYN : 0, seq, cpu);
		assertThat(p.in()).as("a new flow's first packet creates an entry")
			.isInstanceOf(ConntrackInResult.Created.class);
		return p;
	}

	/** {@code nf_conntrack_in} for any packet: TCP flags and sequence number given. */
	public Packet in(Tuple tuple, int tcpFlags, long seq, int cpu) {
		PacketHeader header = (tuple.proto() == L4Proto.TCP) ? PacketHeader.tcp(tuple, tcpFlags, seq, 0)
				: PacketHeader.udp(tuple, null);
		Skb skb = new Skb(this.nextSkb++, header);
		ConntrackInResult r = this.core.conntrackIn(skb, cpu, this.nowNanos);
		return new Packet(skb, skb.ct(), r);
	}

	/**
	 * {@code nf_nat_setup_info(SRC)} for MASQUERADE to {@link #NODE} with the given
	 * flags.
	 */
	public NatSetup masquerade(Packet p, int flags, int cpu) {
		return snat(p, NatRange.address(NODE, flags), cpu);
	}

	/** {@code nf_nat_setup_info(SRC)} with a range. */
	public NatSetup snat(Packet p, NatRange range, int cpu) {
		return this.nat.setupInfo(p.ct(), range, ManipType.SRC, false, cpu, this.nowNanos);
	}

	/** {@code nf_nat_setup_info(DST)} with a range. */
	public NatSetup dnat(Packet p, NatRange range, int cpu) {
		return this.nat.setupInfo(p.ct(), range, ManipType.DST, false, cpu, this.nowNanos);
	}

	/** {@code nf_nat_alloc_null_binding}. */
	public NatSetup nullBinding(Packet p, ManipType manip, int cpu) {
		return this.nat.allocNullBinding(p.ct(), manip, cpu, this.nowNanos);
	}

	/** {@code __nf_conntrack_confirm}. */
	public ConfirmResult confirm(Packet p, int cpu) {
		return this.core.confirm(p.skb(), cpu, this.nowNanos);
	}

	/**
	 * A confirmed entry without NAT whose original tuple is {@code orig}: it holds the
	 * reply tuple {@code invert(orig)}, so that {@code nf_nat_used_tuple(orig)} is true.
	 * Created on CPU 0.
	 */
	public Conntrack occupy(Tuple orig) {
		Packet p = open(orig, 0);
		assertThat(confirm(p, 0)).isInstanceOf(ConfirmResult.Confirmed.class);
		return p.ct();
	}

	/** Opens a flow, masquerades it and confirms it; returns the setup. */
	public NatSetup masqueradeAndConfirm(Tuple orig, int flags, int cpu) {
		Packet p = open(orig, cpu);
		NatSetup setup = masquerade(p, flags, cpu);
		assertThat(confirm(p, cpu)).isInstanceOf(ConfirmResult.Confirmed.class);
		return setup;
	}

}
