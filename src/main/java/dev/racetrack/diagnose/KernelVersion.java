package dev.racetrack.diagnose;

import java.util.Locale;

/**
 * A kernel release as {@code uname -r} prints it: {@code 5.15.0-1057-azure},
 * {@code 4.19.112+}, {@code 3.10.0-1160.el7.x86_64}.
 *
 * @param release the release as printed
 * @param major the major version
 * @param minor the minor version
 * @param patch the third number, or -1 when there is none
 * @param suffix what follows the numbers, e.g. {@code -1057-azure}
 * @param line the 1-based line it was read from
 */
public record KernelVersion(String release, int major, int minor, int patch, String suffix, int line) {

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
	 * The distribution that builds kernels with this suffix, or {@code ""}. Distribution
	 * kernels carry backports, and Debian's and Ubuntu's third number is not the stable
	 * sublevel.
	 */
	public String distribution() {
		String s = this.suffix.toLowerCase(Locale.ROOT);
		if (s.matches(".*\\.el\\d+.*")) {
			return "Red Hat Enterprise Linux / CentOS";
		}
		if (s.contains("amzn")) {
			return "Amazon Linux";
		}
		if (s.matches("-\\d+-(aws|azure|gcp|gke|generic|lowlatency|kvm|oracle|ibm)(-.*)?")) {
			return "Ubuntu";
		}
		if (s.matches("-\\d+-(amd64|arm64|cloud-amd64|cloud-arm64|rt-amd64|686.*)")) {
			return "Debian";
		}
		if (s.equals("+")) {
			return "Container-Optimized OS";
		}
		return "";
	}

	/**
	 * Whether {@link #patch} is the upstream stable sublevel: not for Debian and Ubuntu,
	 * whose {@code x.y.0-N} numbers an ABI.
	 */
	public boolean patchIsStableSublevel() {
		String distribution = distribution();
		return this.patch >= 0 && !distribution.equals("Ubuntu") && !distribution.equals("Debian");
	}

}
