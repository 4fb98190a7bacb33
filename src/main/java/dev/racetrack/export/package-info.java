/**
 * Faithful exports of a run: the text of {@code conntrack -L}, {@code conntrack -S},
 * {@code /proc/net/stat/nf_conntrack} and {@code iptables -t nat -S}, and pcap files per
 * interface.
 */
package dev.racetrack.export;
