package dev.racetrack.web.shared;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.racetrack.scenario.RunParams;

/**
 * The parameters of a run as the API echoes them, with every default resolved, so that
 * the response says exactly what ran (and the seed is always shown).
 */
public record ParamsView(String scenario, String kernel, String mode, String resolver, int pods, int rounds,
		int sourcePort, int cpus, int endpoints, long seed, String mitigation, int ndots, String preset,
		String workload, int workers, int periodMs, int durationS, int warmupS, int connectTimeoutMs) {

	public static ParamsView of(RunParams p) {
		return new ParamsView(p.scenario(), p.kernel().id(), p.mode().id(), p.resolver().id(), p.pods(), p.rounds(),
				p.sourcePort(), p.cpus(), p.endpoints(), p.seed(), p.mitigation().id(), p.ndots(), p.preset().id(),
				p.workload().id(), p.workers(), p.periodMs(), p.durationS(), p.warmupS(), p.connectTimeoutMs());
	}

	/**
	 * As query parameters, in a fixed order (for permalinks and cache keys); the workload
	 * knobs only for free play, the one place they act.
	 */
	public Map<String, String> asQuery() {
		Map<String, String> q = new LinkedHashMap<>();
		q.put("scenario", this.scenario);
		q.put("kernel", this.kernel);
		q.put("mode", this.mode);
		q.put("resolver", this.resolver);
		q.put("pods", String.valueOf(this.pods));
		q.put("rounds", String.valueOf(this.rounds));
		q.put("sourcePort", String.valueOf(this.sourcePort));
		q.put("cpus", String.valueOf(this.cpus));
		q.put("endpoints", String.valueOf(this.endpoints));
		q.put("seed", String.valueOf(this.seed));
		q.put("mitigation", this.mitigation);
		q.put("ndots", String.valueOf(this.ndots));
		if (!this.scenario.endsWith("free-play")) {
			return q;
		}
		q.put("preset", this.preset);
		q.put("workload", this.workload);
		q.put("workers", String.valueOf(this.workers));
		q.put("periodMs", String.valueOf(this.periodMs));
		q.put("durationS", String.valueOf(this.durationS));
		q.put("warmupS", String.valueOf(this.warmupS));
		q.put("connectTimeoutMs", String.valueOf(this.connectTimeoutMs));
		return q;
	}

}
