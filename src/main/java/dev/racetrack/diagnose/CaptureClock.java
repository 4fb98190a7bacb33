package dev.racetrack.diagnose;

/**
 * A capture's time, line by line, for {@link TcpdumpParser} and {@link TsharkParser}
 * alike: a delta from the packet before ({@code tcpdump -ttt}, {@code tshark -t dd}) is
 * summed into the time since the first; a time of day without a date that goes back more
 * than 12 hours is the next day (a capture that runs past midnight); a line without a
 * time makes the capture untimed, since no gap can be read across it. What the times were
 * read as ({@link #timestamps()}) is the first timed line's.
 */
final class CaptureClock {

	private static final long HALF_DAY_MICROS = 12L * 3600 * 1_000_000;

	private static final long DAY_MICROS = 2 * HALF_DAY_MICROS;

	private long elapsed;

	private long previous = -1;

	private long dayOffset;

	private boolean untimed;

	private String timestamps;

	/**
	 * The time of a packet's line, in microseconds on the capture's own clock, or -1.
	 * @param micros the time as the line shows it, or -1 for none
	 * @param delta whether it is a delta from the packet before
	 * @param timeOfDay whether it is a time of day without a date
	 * @param kind what the times are read as ({@code time of day}, {@code epoch}, …)
	 */
	long next(long micros, boolean delta, boolean timeOfDay, String kind) {
		long time = micros;
		if (time >= 0 && delta) {
			this.elapsed += time;
			time = this.elapsed;
		}
		else if (time >= 0 && timeOfDay) {
			if (this.previous >= 0 && time + this.dayOffset < this.previous - HALF_DAY_MICROS) {
				this.dayOffset += DAY_MICROS;
			}
			time += this.dayOffset;
		}
		if (time < 0) {
			this.untimed = true;
		}
		else {
			this.previous = time;
			if (this.timestamps == null) {
				this.timestamps = kind;
			}
		}
		return time;
	}

	/** What the times were read as, or {@code ""} when a line had none. */
	String timestamps() {
		return (this.untimed || this.timestamps == null) ? "" : this.timestamps;
	}

	/** Days since 1970-01-01 of a date a capture printed, or 0 for no such date. */
	static long days(int year, int month, int day) {
		try {
			return java.time.LocalDate.of(year, month, day).toEpochDay();
		}
		catch (java.time.DateTimeException ex) {
			return 0;
		}
	}

	/** {@code 554648} → 554648 µs; {@code 554648123} (nanoseconds) → 554648 µs. */
	static long fraction(String digits) {
		String six = (digits.length() >= 6) ? digits.substring(0, 6) : (digits + "000000").substring(0, 6);
		return Long.parseLong(six);
	}

}
