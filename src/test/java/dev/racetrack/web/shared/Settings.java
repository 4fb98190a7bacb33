package dev.racetrack.web.shared;

import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The application's settings as Spring binds them, for tests that build a part alone. */
public final class Settings {

	private Settings() {
	}

	/**
	 * {@code racetrack.*} with these values ({@code racetrack.max-concurrent-runs}: "1"…)
	 * and the defaults.
	 */
	public static RacetrackProperties racetrack(Map<String, String> values) {
		return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("racetrack",
				RacetrackProperties.class);
	}

}
