package dev.racetrack;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Racetrack: a deterministic model of the Linux netfilter NAT/conntrack races, served to
 * the browser over server-sent events.
 *
 * @author Racetrack engineers
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class RacetrackApplication {

	public static void main(String[] args) {
		SpringApplication.run(RacetrackApplication.class, args);
	}

}
