package dev.racetrack.sim;

import java.util.Map;

import dev.racetrack.sim.Views.RoverView;

/**
 * One step of a run: when and where it happened, the kernel (or client) function at work,
 * a one-sentence caption, and the state change it causes. Events are totally ordered by
 * {@code seq}; {@code t} never decreases.
 *
 * @param seq the step number, from 0
 * @param t simulated time in nanoseconds
 * @param cpu the CPU at work, or -1 (clients, wires, timers)
 * @param type the kebab-case type, {@link Change#type()}
 * @param packet the packet id, or {@code null}
 * @param hook the netfilter hook ({@code PREROUTING}, {@code POSTROUTING}), or
 * {@code null}
 * @param iface the interface or host, or {@code null}
 * @param func the function at work ({@code nf_conntrack_in},
 * {@code __nf_conntrack_confirm}, {@code send_dg}…)
 * @param text the caption: one sentence, kernel functions in backticks
 * @param counters the conntrack statistics of {@code cpu} that this step changed, with
 * their new values, or {@code null}
 * @param rover the shared port rover after this step when the step moved it, or
 * {@code null}
 * @param change the state change
 */
public record TraceEvent(long seq, long t, int cpu, String type, Long packet, String hook, String iface, String func,
		String text, Map<String, Long> counters, RoverView rover, Change change) {
}
