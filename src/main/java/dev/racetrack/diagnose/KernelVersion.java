package dev.racetrack.diagnose;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel release as {@code uname -r} prints it: {@code 5.15.0-1057-azure},
 * {@code 4.19.112+}, {@code 3.10.0-1160.el7.x86_64}, with what {@code uname -a} or
 * {@code /proc/version} printed after it.
 *
 * @param release the release as printed
 * @param major the major version
 * @param minor the minor version
 * @param patch the third number, or -1 when there is none
 * @param suffix what follows the numbers, e.g. {@code -1057-azure}
 * @param line the 1-based line it was read from
 * @param build the rest of a {@code uname -a} or {@code /proc/version} line (e.g.
 * {@code #1 SMP Debian 5.10.70-1 (2021-09-30) x86_64 GNU/Linux}), or the OS image of a
 * {@code kubectl get nodes} row; {@code ""} when not printed
 */
public record KernelVersion(String release, int major, int minor, int patch, String suffix, int line, String build) {

	private static final Pattern DEBIAN_UPSTREAM = Pattern.compile("Debian (\\d{1,2})\\.(\\d{1,3})\\.(\\d{1,4})-");

	private static final Pattern UBUNTU_SIGNATURE = Pattern
		.compile("Ubuntu \\d[\\d.]{0,20}-\\S{1,60} (\\d{1,2})\\.(\\d{1,3})\\.(\\d{1,4})");

	/** A release without a build string. */
	public KernelVersion(String release, int major, int minor, int patch, String suffix, int line) {
		this(release, major, minor, patch, suffix, line, "");
	}

	/** Compares major.minor only. */
	public int compareTo(int otherMajor, int otherMinor) {
		return (this.major != otherMajor) ? Integer.compare(this.major, otherMajor)
				: Integer.compare(this.minor, otherMinor);
	}

	public boolean isBefore(int otherMajor, int otherMinor) {
		return compareTo(otherMajor, otherMinor) < 0;
	}

	/** {@code 5.15}. */
	public String majorMinor() {
		return this.major + "." + this.minor;
	}

	/**
	 * The upstream stable sublevel, when it can be known: the third number of a kernel
	 * that is not Debian's or Ubuntu's (whose {@code x.y.0-N} numbers an ABI), or what
	 * Debian's {@code uname -a} ({@code Debian 4.19.98-1}) or Ubuntu's
	 * {@code /proc/version_signature} print; -1 otherwise.
	 */
	public int upstreamSublevel() {
		Matcher debian = DEBIAN_UPSTREAM.matcher(this.build);
		if (debian.find() && Integer.parseInt(debian.group(1)) == this.major
				&& Integer.parseInt(debian.group(2)) == this.minor) {
			return Integer.parseInt(debian.group(3));
		}
		Matcher ubuntu = UBUNTU_SIGNATURE.matcher(this.build);
		if (ubuntu.find()) {
			return Integer.parseInt(ubuntu.group(3));
		}
		return patchIsStableSublevel() ? this.patch : -1;
	}

	/**
	 * The distribution that builds kernels with this suffix or build string, or
	 * {@code ""}. See {@link DistroKernels} for what each backported.
	 */
	public String distribution() {
		return DistroKernels.distribution(this);
	}

	/**
	 * Whether {@link #patch} is the upstream stable sublevel: not for Debian and Ubuntu,
	 * whose {@code x.y.0-N} numbers an ABI, nor for Red Hat's frozen {@code x.y.0-N.elN}.
	 */
	public boolean patchIsStableSublevel() {
		String distribution = distribution();
		return this.patch >= 0 && !distribution.startsWith(DistroKernels.UBUNTU)
				&& !distribution.startsWith(DistroKernels.DEBIAN) && !distribution.startsWith(DistroKernels.RHEL)
				&& !(this.patch == 0 && this.suffix.matches("-\\d.*"));
	}

	/** The ABI number of a Debian or Ubuntu {@code x.y.0-N-flavour} release, or -1. */
	public int abi() {
		Matcher abi = Pattern.compile("-(\\d{1,5})[-.]").matcher(this.suffix + ".");
		return abi.lookingAt() ? Integer.parseInt(abi.group(1)) : -1;
	}

	/** The flavour after the ABI: {@code azure}, {@code aws}, {@code generic}, … */
	public String flavour() {
		Matcher flavour = Pattern.compile("-\\d{1,5}-([a-z][\\w-]{0,30})").matcher(this.suffix);
		return flavour.lookingAt() ? flavour.group(1).toLowerCase(Locale.ROOT) : "";
	}

}
