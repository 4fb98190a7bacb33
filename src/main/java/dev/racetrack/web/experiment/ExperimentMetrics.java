package dev.racetrack.web.experiment;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.stereotype.Component;

/**
 * The experiments' gauge on the actuator's Prometheus endpoint: experiments computing
 * now.
 */
@Component
class ExperimentMetrics {

	ExperimentMetrics(MeterRegistry registry, ExperimentRunner experiments) {
		Gauge.builder("racetrack.experiments.running", experiments, ExperimentRunner::running)
			.description("Experiments computing now")
			.register(registry);
	}

}
