package dev.racetrack.kernel.iptables;

import java.util.Locale;

import dev.racetrack.kernel.packet.L4Proto;

/**
 * A match of an iptables rule: the IP part ({@code -s}, {@code -d}, {@code -i},
 * {@code -o}, {@code -p}, checked by {@code ip_packet_match}) or a match module
 * ({@code -m ...}). Each prints itself the way {@code iptables -S} does.
 */
public sealed interface Match {

	/**
	 * Whether the packet matches; a statistic match draws from the kernel's random here.
	 */
	boolean matches(MatchContext context);

	/** The option text as {@code iptables -S} prints it. */
	String save();

	/**
	 * Position among the IP-part options, or {@link Integer#MAX_VALUE} for modules (kept
	 * in rule order).
	 */
	default int saveOrder() {
		return Integer.MAX_VALUE;
	}

	/** {@code [!] -s cidr}. */
	record Source(Cidr cidr, boolean negate) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return this.cidr.contains(c.tuple().srcIp()) != this.negate;
		}

		@Override
		public String save() {
			return (this.negate ? "! " : "") + "-s " + this.cidr;
		}

		@Override
		public int saveOrder() {
			return 0;
		}

	}

	/** {@code [!] -d cidr}. */
	record Destination(Cidr cidr, boolean negate) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return this.cidr.contains(c.tuple().dstIp()) != this.negate;
		}

		@Override
		public String save() {
			return (this.negate ? "! " : "") + "-d " + this.cidr;
		}

		@Override
		public int saveOrder() {
			return 1;
		}

	}

	/** {@code [!] -i iface}. */
	record InInterface(String name, boolean negate) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return this.name.equals(c.inIface()) != this.negate;
		}

		@Override
		public String save() {
			return (this.negate ? "! " : "") + "-i " + this.name;
		}

		@Override
		public int saveOrder() {
			return 2;
		}

	}

	/** {@code [!] -o iface}. */
	record OutInterface(String name, boolean negate) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return this.name.equals(c.outIface()) != this.negate;
		}

		@Override
		public String save() {
			return (this.negate ? "! " : "") + "-o " + this.name;
		}

		@Override
		public int saveOrder() {
			return 3;
		}

	}

	/** {@code -p tcp|udp}. */
	record Protocol(L4Proto proto) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return c.tuple().proto() == this.proto;
		}

		@Override
		public String save() {
			return "-p " + this.proto.label();
		}

		@Override
		public int saveOrder() {
			return 4;
		}

	}

	/**
	 * {@code -m udp|tcp [--dport N]} (the port module; kube-proxy writes it even without
	 * a port).
	 */
	record Port(L4Proto proto, int dport) implements Match {

		public static Port any(L4Proto proto) {
			return new Port(proto, -1);
		}

		@Override
		public boolean matches(MatchContext c) {
			return c.tuple().proto() == this.proto && (this.dport < 0 || c.tuple().dstPort() == this.dport);
		}

		@Override
		public String save() {
			return "-m " + this.proto.label() + ((this.dport < 0) ? "" : " --dport " + this.dport);
		}

	}

	/** {@code -m udp|tcp --sport N}. */
	record SourcePort(L4Proto proto, int sport) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return c.tuple().proto() == this.proto && c.tuple().srcPort() == this.sport;
		}

		@Override
		public String save() {
			return "-m " + this.proto.label() + " --sport " + this.sport;
		}

	}

	/** {@code -m comment --comment text}: matches everything. */
	record Comment(String text) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return true;
		}

		@Override
		public String save() {
			return "-m comment --comment" + Rule.saveString(this.text);
		}

	}

	/**
	 * {@code -m mark [!] --mark value[/mask]}; libxt_mark's {@code print_mark} leaves out
	 * a mask of 0xffffffff.
	 */
	record Mark(int value, int mask, boolean negate) implements Match {

		@Override
		public boolean matches(MatchContext c) {
			return ((c.mark() & this.mask) == this.value) != this.negate;
		}

		@Override
		public String save() {
			String mark = (this.mask == 0xffffffff) ? hex(this.value) : hex(this.value) + "/" + hex(this.mask);
			return "-m mark" + (this.negate ? " !" : "") + " --mark " + mark;
		}

	}

	/**
	 * {@code -m statistic --mode random --probability p} (xt_statistic.c): matches when
	 * {@code (prandom_u32() & 0x7FFFFFFF) < probability}, the probability being stored as
	 * {@code lround(0x80000000 * p)} by iptables.
	 *
	 * @param threshold the stored probability, {@code 0..0x80000000}
	 */
	record Statistic(long threshold) implements Match {

		/**
		 * The stored form of a probability as kube-proxy writes it (e.g.
		 * {@code "0.33333"}).
		 */
		public static Statistic of(String probability) {
			return new Statistic(Math.round(0x80000000L * Double.parseDouble(probability)));
		}

		@Override
		public boolean matches(MatchContext c) {
			return (c.random().prandomU32() & 0x7FFFFFFFL) < this.threshold;
		}

		@Override
		public String save() {
			return "-m statistic --mode random --probability "
					+ String.format(Locale.ROOT, "%.11f", this.threshold / (double) 0x80000000L);
		}

	}

	static String hex(int value) {
		return "0x" + Integer.toHexString(value);
	}

}
