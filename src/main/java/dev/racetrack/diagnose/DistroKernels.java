package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.racetrack.diagnose.KernelFixes.Fix;

/**
 * What each distribution's kernels carry of the clash fixes, read from the release string
 * (and, when pasted, {@code uname -a}'s build string or the node's OS image). Upstream
 * first ({@code src/docs/netfilter-races.md} §3–4): race 1 fixed in 4.19 (ed07d9a021df),
 * race 2 in 5.0 (4e35c1cb9460; stable 4.19.29), race 3 in 5.6 (6a757c07e51f); the rover
 * gone in 5.0 (6ed5943f8735; stable 4.9.300 and 4.19.228, February 2022); clash_resolve
 * from 5.10; the linear SYN back-off from 6.5. Then each distribution, with its source:
 * <ul>
 * <li><b>Ubuntu</b> ({@code 4.15.0-N-generic|aws|azure|gcp|kvm|oracle}): races 1 and 2
 * backported to Bionic's 4.15 by the SRU of 17 July 2019, LP #1836816 (kernel-team
 * mailing list, "Fix nf_conntrack races when dealing with same origin requests in NAT
 * environments"); the first kernels of the following SRU cycle are 4.15.0-58 (generic),
 * -1055-azure, -1045-aws, -1040-gcp, -1042-kvm, -1021-oracle (USN-4094-1, 13 August 2019;
 * the ABI thresholds are inferred from that cycle, so older ABIs are read as unfixed).
 * Later Ubuntu kernels (5.4, 5.15, 6.x) are read by their upstream base: no Ubuntu
 * backport of race 3 to 5.4 is cited.</li>
 * <li><b>Azure/AKS</b>: AKS nodes run Ubuntu's {@code -azure} kernels (Azure/AKS#1326:
 * "AKS nodes are built with Canonical Ubuntu 16.04 … kernel version 4.15.18"), read as
 * Ubuntu; Azure Linux / CBL-Mariner ({@code .cm2}, {@code .azl3}) by upstream
 * sublevel.</li>
 * <li><b>Debian</b> ({@code 4.9.0-N-amd64}, {@code 4.19.0-N-amd64}, {@code 5.10.0-N}):
 * {@code uname -a} prints the upstream version ({@code Debian 4.19.98-1}), read as
 * upstream stable; with {@code uname -r} alone a 4.19.0-N kernel is at least 4.19.37 (the
 * kernel Debian 10 was released with), so race 2 is fixed and the rover is unknown.</li>
 * <li><b>RHEL/CentOS/Rocky/Alma</b> ({@code .el7}, {@code .el8}, {@code .el9}): Red Hat
 * backports netfilter selectively and no source cited here says which clash fixes 3.10
 * (el7) or 4.18 (el8) carry: el7 is read as its upstream base (every race drops, and
 * before 71d8c47fc653 a lost clash counted only insert_failed), el8's races as unknown
 * (the counters decide), el9 (5.14) as upstream.</li>
 * <li><b>Amazon Linux 2</b> ({@code .amzn2}): races 1 and 2 backported into the 4.14
 * kernel of the EKS AMI v20200312 (awslabs/amazon-eks-ami#357, 17 March 2020); the AMI of
 * December 2019 had 4.14.154 (aws/containers-roadmap#175), so 4.14.154 and older are read
 * as unfixed, 4.14.200 and later as fixed, and between as unknown. Race 3 backported into
 * AL2's 5.4 in May 2021 (amazon-eks-ami#357, PR #659): 5.4.188 (May 2022,
 * amazon-eks-ami#913) and later are read as fixed, older 5.4 as unknown. AL2's 5.10 and
 * AL2023's 6.1 are upstream.</li>
 * <li><b>GKE Container-Optimized OS</b> ({@code 4.19.112+}, {@code 5.10.133+}): COS
 * builds the upstream LTS sublevel it names, read as upstream stable.</li>
 * <li><b>Bottlerocket</b> (the OS-IMAGE column of {@code kubectl get nodes -o wide}):
 * upstream LTS kernels (5.4 and later), read by upstream sublevel.</li>
 * </ul>
 */
final class DistroKernels {

	static final String UBUNTU = "Ubuntu";

	static final String DEBIAN = "Debian";

	static final String RHEL = "RHEL/CentOS/Rocky/Alma";

	static final String AMAZON = "Amazon Linux";

	static final String COS = "Container-Optimized OS (GKE)";

	static final String BOTTLEROCKET = "Bottlerocket";

	static final String AZURE_LINUX = "Azure Linux (CBL-Mariner)";

	private DistroKernels() {
	}

	/** The distribution that built this kernel, or {@code ""}. */
	static String distribution(KernelVersion v) {
		String s = v.suffix().toLowerCase(Locale.ROOT);
		String build = v.build().toLowerCase(Locale.ROOT);
		if (build.contains("bottlerocket")) {
			return BOTTLEROCKET;
		}
		if (s.matches(".*\\.el\\d+.*")) {
			return RHEL + " " + s.replaceAll(".*\\.(el\\d+).*", "$1");
		}
		if (s.contains("amzn")) {
			return AMAZON + (s.contains("amzn2023") ? " 2023" : " 2");
		}
		if (s.contains(".cm2") || s.contains(".azl")) {
			return AZURE_LINUX;
		}
		if (s.matches("-\\d+-(aws|azure|gcp|gke|generic|lowlatency|kvm|oracle|ibm)(-.*)?")
				|| build.contains("ubuntu")) {
			return UBUNTU + (s.contains("azure") ? " linux-azure, as on AKS" : "");
		}
		if (s.matches("-\\d+-(amd64|arm64|cloud-amd64|cloud-arm64|rt-amd64|686.*)") || build.contains("debian")) {
			return DEBIAN;
		}
		if (s.equals("+") || build.contains("container-optimized os")) {
			return COS;
		}
		return "";
	}

	/** The fixes of a real kernel, with the notes that say how they were read. */
	static KernelFixes fixes(KernelVersion v) {
		String distribution = distribution(v);
		List<String> notes = new ArrayList<>();
		int sublevel = v.upstreamSublevel();
		Fix race1 = upstreamRace1(v, sublevel);
		Fix race2 = upstreamRace2(v, sublevel);
		Fix race3 = v.isBefore(5, 6) ? Fix.DROPS : Fix.FIXED;
		Fix rover = upstreamRover(v, sublevel);
		boolean dropCounted = !v.isBefore(4, 7);
		if (distribution.startsWith(UBUNTU) && v.major() == 4 && v.minor() == 15) {
			Fix backport = ubuntu415(v);
			race1 = backport;
			race2 = backport;
			notes.add((backport == Fix.FIXED)
					? "Ubuntu backported the race 1 and 2 fixes to its 4.15 kernels in July 2019 (LP #1836816); "
							+ v.release()
							+ " is built after that SRU, so races 1 and 2 are resolved here; race 3 is not."
					: "Ubuntu backported the race 1 and 2 fixes to its 4.15 kernels in July 2019 (LP #1836816); "
							+ v.release() + " is older than that SRU's kernels: upgrade within 4.15 to get them.");
		}
		else if (distribution.startsWith(DEBIAN) && v.major() == 4 && v.minor() == 19 && sublevel < 0) {
			race2 = Fix.FIXED;
			notes.add("Debian 10 was released with 4.19.37, which has the race 2 fix (stable 4.19.29); paste uname -a "
					+ "for the exact sublevel (the rover went in 4.19.228).");
		}
		else if (distribution.startsWith(RHEL + " el8")) {
			race1 = Fix.UNKNOWN;
			race2 = Fix.UNKNOWN;
			race3 = Fix.UNKNOWN;
			notes
				.add("RHEL 8's 4.18 carries many netfilter backports, and no source cited here says which clash fixes: "
						+ "the counters decide (insert_failed without drop means resolved clashes).");
		}
		else if (distribution.startsWith(RHEL + " el7")) {
			notes
				.add("RHEL 7's 3.10 is read as its upstream base (no clash fix); Red Hat backports selectively, so the "
						+ "counters are the ground truth.");
		}
		else if (distribution.startsWith(AMAZON) && v.major() == 4 && v.minor() == 14) {
			Fix backport = (v.patch() >= 0 && v.patch() <= 154) ? Fix.DROPS
					: (v.patch() >= 200) ? Fix.FIXED : Fix.UNKNOWN;
			race1 = backport;
			race2 = backport;
			notes
				.add("Amazon Linux 2 backported the race 1 and 2 fixes into its 4.14 kernel with the EKS AMI v20200312 "
						+ "(amazon-eks-ami#357); 4.14.154 was the kernel before it.");
		}
		else if (distribution.startsWith(AMAZON) && v.major() == 5 && v.minor() == 4) {
			race3 = (v.patch() >= 188) ? Fix.FIXED : Fix.UNKNOWN;
			notes.add("Amazon Linux 2 backported the race 3 fix (clash entries) into its 5.4 kernel in May 2021 "
					+ "(amazon-eks-ami#357, PR #659).");
		}
		if (!dropCounted) {
			notes.add("Before 71d8c47fc653 (2016) a lost clash counted insert_failed only, not drop.");
		}
		if (!distribution.isEmpty() && notes.isEmpty()) {
			notes.add("No backport of these fixes is cited for this build: its clash fixes are those of upstream "
					+ ((sublevel >= 0) ? v.majorMinor() + "." + sublevel : v.majorMinor()) + ".");
		}
		return new KernelFixes(race1, race2, race3, rover, !v.isBefore(5, 10), dropCounted, !v.isBefore(6, 5), notes);
	}

	private static Fix upstreamRace1(KernelVersion v, int sublevel) {
		if (!v.isBefore(4, 19)) {
			return Fix.FIXED;
		}
		if (v.major() == 4 && v.minor() == 14) {
			return Fix.UNKNOWN;
		}
		return Fix.DROPS;
	}

	private static Fix upstreamRace2(KernelVersion v, int sublevel) {
		if (!v.isBefore(5, 0)) {
			return Fix.FIXED;
		}
		if (v.major() == 4 && v.minor() == 19) {
			return (sublevel >= 29) ? Fix.FIXED : (sublevel < 0) ? Fix.UNKNOWN : Fix.DROPS;
		}
		if (v.major() == 4 && (v.minor() == 14 || v.minor() == 9)) {
			return Fix.UNKNOWN;
		}
		return Fix.DROPS;
	}

	private static Fix upstreamRover(KernelVersion v, int sublevel) {
		if (!v.isBefore(5, 0)) {
			return Fix.FIXED;
		}
		if (v.major() == 4 && v.minor() == 19) {
			return (sublevel >= 228) ? Fix.FIXED : (sublevel < 0) ? Fix.UNKNOWN : Fix.DROPS;
		}
		if (v.major() == 4 && v.minor() == 9) {
			return (sublevel >= 300) ? Fix.FIXED : (sublevel < 0) ? Fix.UNKNOWN : Fix.DROPS;
		}
		if (v.major() == 4 && v.minor() == 14) {
			return Fix.UNKNOWN;
		}
		return Fix.DROPS;
	}

	/** Bionic's 4.15 ABIs from the first SRU cycle after LP #1836816 (USN-4094-1). */
	private static Fix ubuntu415(KernelVersion v) {
		int abi = v.abi();
		int threshold = switch (v.flavour()) {
			case "azure" -> 1055;
			case "aws" -> 1045;
			case "gcp", "gke" -> 1040;
			case "kvm" -> 1042;
			case "oracle" -> 1021;
			default -> 58;
		};
		if (abi < 0) {
			return Fix.UNKNOWN;
		}
		return (abi >= threshold) ? Fix.FIXED : Fix.DROPS;
	}

}
