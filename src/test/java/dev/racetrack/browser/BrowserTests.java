package dev.racetrack.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link Browser#quit} with a real Chromium whose chromedriver died, as one did under a
 * load of 5 in the middle of a test: the Chromium it had started must not outlive the
 * test.
 */
class BrowserTests {

	@Test
	void aChromiumWhoseChromedriverDiedIsEndedAndItsProfileRemoved() throws Exception {
		ChromeDriver driver = Browser.start(640, 480);
		Path profile = profileOf(driver);
		try {
			driver.get("about:blank");
			List<ProcessHandle> chromium = withProfile(profile);
			assertThat(chromium).as("Chromium's processes with profile %s", profile).isNotEmpty();
			ProcessHandle chromedriver = chromium.stream()
				.map(ProcessHandle::parent)
				.flatMap(java.util.Optional::stream)
				.filter((p) -> p.info().command().map((c) -> c.endsWith("chromedriver")).orElse(false))
				.findFirst()
				.orElseThrow(() -> new AssertionError("no chromedriver is the parent of " + chromium));
			chromedriver.destroyForcibly();
			chromedriver.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
			assertThat(withProfile(profile)).as("the orphaned Chromium, still running").isNotEmpty();

			// the quit of a dead driver may throw; what matters is what is left
			catchThrowable(() -> Browser.quit(driver));

			assertThat(withProfile(profile)).as("processes left with profile %s", profile).isEmpty();
			assertThat(Files.exists(profile)).as("profile %s left", profile).isFalse();
		}
		finally {
			Browser.endLeftovers(profile);
		}
	}

	private static Path profileOf(ChromeDriver driver) {
		Object chrome = driver.getCapabilities().getCapability("chrome");
		String dir = (String) ((java.util.Map<?, ?>) chrome).get("userDataDir");
		return Path.of(dir);
	}

	private static List<ProcessHandle> withProfile(Path profile) {
		String flag = "--user-data-dir=" + profile;
		return ProcessHandle.allProcesses()
			.filter((p) -> p.isAlive() && p.info().commandLine().map((c) -> c.contains(flag)).orElse(false))
			.toList();
	}

}
