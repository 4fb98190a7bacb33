package dev.racetrack.experiment;

import java.util.List;

/**
 * The result of a whole experiment, one entry per configuration in plan order.
 *
 * @param seed the experiment's root seed
 * @param trials the trials per configuration
 * @param configurations the aggregates of each configuration
 */
public record ExperimentResult(long seed, int trials, List<ConfigurationResult> configurations) {

	public ExperimentResult {
		configurations = List.copyOf(configurations);
	}

}
