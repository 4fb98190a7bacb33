/**
 * On-call diagnosis: parsers for what a real node prints ({@code conntrack -S},
 * {@code /proc/net/stat/nf_conntrack}, {@code iptables-save -t nat}, {@code uname -r},
 * {@code /etc/resolv.conf}) and the findings drawn from them. No web types.
 */
package dev.racetrack.diagnose;
