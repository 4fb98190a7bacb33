package dev.racetrack.kernel.iptables;

import dev.racetrack.kernel.nat.NatRange;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.Ipv4;

/**
 * The target of an iptables rule ({@code -j ...}), printed as {@code iptables -S} does.
 */
public sealed interface Target {

	String save();

	/** {@code -j CHAIN}: jump to a user-defined chain. */
	record Jump(String chain) implements Target {

		@Override
		public String save() {
			return "-j " + this.chain;
		}

	}

	/** {@code -j RETURN}. */
	record Return() implements Target {

		@Override
		public String save() {
			return "-j RETURN";
		}

	}

	/** {@code -j ACCEPT}. */
	record Accept() implements Target {

		@Override
		public String save() {
			return "-j ACCEPT";
		}

	}

	/**
	 * {@code -j DNAT --to-destination ip:port} (one endpoint, as kube-proxy writes it).
	 */
	record Dnat(int ip, int port) implements Target {

		public NatRange range() {
			return NatRange.addressAndPort(this.ip, this.port);
		}

		@Override
		public String save() {
			return "-j DNAT --to-destination " + Ipv4.format(this.ip) + ":" + this.port;
		}

	}

	/**
	 * {@code -j MASQUERADE [--random] [--random-fully]}: SNAT to the out interface's
	 * address.
	 *
	 * @param mode the port allocation flag: none, {@code --random} or
	 * {@code --random-fully}
	 */
	record Masquerade(SnatMode mode) implements Target {

		@Override
		public String save() {
			StringBuilder sb = new StringBuilder("-j MASQUERADE");
			if (this.mode == SnatMode.RANDOM) {
				sb.append(" --random");
			}
			if (this.mode == SnatMode.RANDOM_FULLY) {
				sb.append(" --random-fully");
			}
			return sb.toString();
		}

	}

	/** {@code -j MARK --set-xmark value/mask}: not terminal. */
	record SetMark(int value, int mask) implements Target {

		public int apply(int mark) {
			return (mark & ~this.mask) ^ this.value;
		}

		@Override
		public String save() {
			return "-j MARK --set-xmark " + Match.hex(this.value) + "/" + Match.hex(this.mask);
		}

	}

	/** {@code -j NOTRACK} (raw table): the packet gets no conntrack entry. */
	record Notrack() implements Target {

		@Override
		public String save() {
			return "-j NOTRACK";
		}

	}

}
