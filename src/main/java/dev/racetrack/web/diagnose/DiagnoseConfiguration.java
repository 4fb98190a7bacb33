package dev.racetrack.web.diagnose;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.racetrack.diagnose.Diagnoser;

/**
 * Makes the plain-Java {@link Diagnoser} injectable.
 */
@Configuration(proxyBeanMethods = false)
class DiagnoseConfiguration {

	@Bean
	Diagnoser diagnoser() {
		return new Diagnoser();
	}

}
