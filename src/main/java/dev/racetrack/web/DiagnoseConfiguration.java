package dev.racetrack.web;

import dev.racetrack.diagnose.Diagnoser;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

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
