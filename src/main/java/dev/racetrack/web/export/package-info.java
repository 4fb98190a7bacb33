/**
 * Exports: kernel-format texts ({@code conntrack -L/-S}, {@code /proc},
 * {@code iptables -S}), pcaps, the event log and its import, the offline replay.
 */
package dev.racetrack.web.export;
