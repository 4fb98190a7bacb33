package dev.racetrack.kernel.nat;

import dev.racetrack.kernel.conntrack.IpsStatus;

/**
 * Which half of a tuple a NAT binding rewrites ({@code enum nf_nat_manip_type}): SRC in
 * POSTROUTING (and INPUT), DST in PREROUTING (and OUTPUT) ({@code HOOK2MANIP}).
 */
public enum ManipType {

	SRC(IpsStatus.SRC_NAT, IpsStatus.SRC_NAT_DONE), DST(IpsStatus.DST_NAT, IpsStatus.DST_NAT_DONE);

	private final int natBit;

	private final int doneBit;

	ManipType(int natBit, int doneBit) {
		this.natBit = natBit;
		this.doneBit = doneBit;
	}

	/** {@code IPS_SRC_NAT} or {@code IPS_DST_NAT}. */
	public int natBit() {
		return this.natBit;
	}

	/** {@code IPS_SRC_NAT_DONE} or {@code IPS_DST_NAT_DONE}. */
	public int doneBit() {
		return this.doneBit;
	}

}
