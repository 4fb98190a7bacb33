package dev.racetrack.export;

import java.io.ByteArrayOutputStream;

/**
 * A capture file in the classic libpcap format (pcap-savefile(5)), with nanosecond
 * timestamps: the 24-byte global header (magic {@code 0xa1b23c4d}, version 2.4, snaplen,
 * link type), then per packet a 16-byte record header (seconds, nanoseconds, captured
 * length, original length) and the frame. Written big-endian; readers tell the byte order
 * from the magic.
 *
 * <p>
 * Nanosecond timestamps because a race lasts a few microseconds: with the microsecond
 * format the two racing SYNs 100 ns apart would carry the same time. tshark and Wireshark
 * read the nanosecond magic since 1.x.
 */
public final class PcapWriter {

	/** The magic of a big- or little-endian nanosecond-resolution file. */
	public static final int MAGIC_NANOS = 0xa1b23c4d;

	/** The magic of the classic microsecond-resolution file. */
	public static final int MAGIC_MICROS = 0xa1b2c3d4;

	/** {@code LINKTYPE_ETHERNET}: frames start with a 14-byte Ethernet II header. */
	public static final int LINKTYPE_ETHERNET = 1;

	/** The snapshot length tcpdump uses by default. */
	public static final int SNAPLEN = 262_144;

	private static final long NANOS_PER_SECOND = 1_000_000_000L;

	private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

	/** A file of Ethernet frames. */
	public PcapWriter() {
		this(LINKTYPE_ETHERNET);
	}

	/** A file of frames of the given {@code LINKTYPE_*}. */
	public PcapWriter(int linkType) {
		int32(MAGIC_NANOS);
		int16(2);
		int16(4);
		int32(0);
		int32(0);
		int32(SNAPLEN);
		int32(linkType);
	}

	/**
	 * Appends one packet.
	 * @param timeNanos the capture time in nanoseconds since the epoch, not negative
	 * @param frame the whole frame (never truncated: the model's frames are far below the
	 * snaplen)
	 */
	public PcapWriter packet(long timeNanos, byte[] frame) {
		if (timeNanos < 0) {
			throw new IllegalArgumentException("negative timestamp: " + timeNanos);
		}
		if (frame.length > SNAPLEN) {
			throw new IllegalArgumentException("frame longer than the snaplen: " + frame.length);
		}
		int32((int) (timeNanos / NANOS_PER_SECOND));
		int32((int) (timeNanos % NANOS_PER_SECOND));
		int32(frame.length);
		int32(frame.length);
		this.out.writeBytes(frame);
		return this;
	}

	/** The file so far. */
	public byte[] toByteArray() {
		return this.out.toByteArray();
	}

	private void int32(int value) {
		this.out.write(value >>> 24);
		this.out.write(value >>> 16);
		this.out.write(value >>> 8);
		this.out.write(value);
	}

	private void int16(int value) {
		this.out.write(value >>> 8);
		this.out.write(value);
	}

}
