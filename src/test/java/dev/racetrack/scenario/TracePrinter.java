package dev.racetrack.scenario;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.Tracer;

/**
 * Prints a scenario's trace: {@code ./mvnw test-compile exec:java}-free, run from an IDE
 * or with {@code java -cp}. A developer tool, not a test.
 */
public final class TracePrinter {

	private TracePrinter() {
	}

	public static void main(String[] args) {
		String scenario = (args.length > 0) ? args[0] : "snat-port-race";
		RunParams p = Scenarios.byId(scenario).orElseThrow().defaults();
		if (args.length > 1) {
			p = p.withKernel(KernelProfile.fromId(args[1]).orElseThrow());
		}
		if (args.length > 2) {
			p = p.withMode(SnatMode.fromId(args[2]).orElseThrow());
		}
		if (args.length > 3) {
			p = p.withResolver(ResolverKind.fromId(args[3]).orElseThrow());
		}
		if (args.length > 4) {
			p = p.withSeed(Long.parseLong(args[4]));
		}
		if (args.length > 5) {
			p = p.withMitigation(dev.racetrack.sim.Mitigation.fromId(args[5]).orElseThrow());
		}
		NodeRun run = ScenarioRunner.run(p, Tracer.recording(1_000_000));
		for (TraceEvent e : run.trace().events()) {
			System.out.printf("%5d %14d cpu%-2d %-16s %s%s%n", e.seq(), e.t(), e.cpu(), e.type(), e.text(),
					(e.counters() != null) ? "  " + e.counters() : "");
		}
		System.out.println(run.summary());
	}

}
