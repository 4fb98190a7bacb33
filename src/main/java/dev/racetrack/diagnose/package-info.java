/**
 * On-call diagnosis: {@link dev.racetrack.diagnose.PasteReader} sorts whatever was pasted
 * (conntrack -S in every layout, /proc/net/stat/nf_conntrack, iptables-save, -S and -L,
 * nft, uname -a, /proc/version, kubectl get nodes -o wide, resolv.conf, sysctl, dmesg,
 * conntrack -L) with the noise around it taken off; one parser per output; the kernel
 * read with its distribution's backports ({@link dev.racetrack.diagnose.DistroKernels});
 * the findings; and the one-line verdict with the first fix
 * ({@link dev.racetrack.diagnose.VerdictRule}). No web types, no Spring, no Jackson.
 */
package dev.racetrack.diagnose;
