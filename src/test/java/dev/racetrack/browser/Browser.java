package dev.racetrack.browser;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Starts Debian's headless Chromium through {@code /usr/bin/chromedriver}. Where Chromium
 * is missing the browser tests are skipped with one loud line, except under
 * {@code CI=true}, where a missing browser fails the run.
 *
 * <p>
 * Each Chromium gets a profile directory of its own, and {@link #quit} ends it in three
 * steps: chromedriver's quit, then whatever still runs with that profile on its command
 * line (the Chromium of a chromedriver that died under load, which nobody else can end),
 * then the directory itself.
 */
public final class Browser {

	static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

	/** The profile directory of each started browser, until it is quit. */
	private static final java.util.Map<ChromeDriver, Path> PROFILES = new java.util.concurrent.ConcurrentHashMap<>();

	private Browser() {
	}

	/**
	 * Returns a new headless Chromium of the given window size, or skips the calling
	 * test.
	 */
	public static ChromeDriver start(int width, int height) {
		boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
		if (!present) {
			String line = "!!! BROWSER TESTS SKIPPED: /usr/bin/chromium or /usr/bin/chromedriver is missing "
					+ "(apt-get install -y chromium chromium-driver) !!!";
			if ("true".equals(System.getenv("CI"))) {
				throw new IllegalStateException(line.replace("SKIPPED", "CANNOT RUN") + " CI=true requires them.");
			}
			System.err.println(line);
			assumeTrue(false, line);
		}
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM.toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
				"--window-size=" + width + "," + height);
		Path profile = tempProfile();
		options.addArguments("--user-data-dir=" + profile);
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeDriver driver;
		try {
			driver = new ChromeDriver(service, options);
		}
		catch (RuntimeException ex) {
			endLeftovers(profile);
			throw ex;
		}
		PROFILES.put(driver, profile);
		try {
			driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
			driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
			return driver;
		}
		catch (RuntimeException ex) {
			// Not handed out, so nobody else would quit it.
			try {
				quit(driver);
			}
			catch (RuntimeException quit) {
				ex.addSuppressed(quit);
			}
			throw ex;
		}
	}

	/**
	 * Quits a browser {@link #start} returned: chromedriver's quit, then the processes
	 * still running with its profile (killed, with their children), then the profile. The
	 * processes are ended and the profile removed even when the quit throws, as it does
	 * when chromedriver died.
	 */
	public static void quit(ChromeDriver driver) {
		Path profile = PROFILES.remove(driver);
		try {
			driver.quit();
		}
		finally {
			if (profile != null) {
				endLeftovers(profile);
			}
		}
	}

	/**
	 * Kills every process whose command line names {@code profile} as its
	 * {@code --user-data-dir}, children first, waits up to 10 s for them to go, and
	 * removes the directory. Returns how many processes it killed.
	 */
	static int endLeftovers(Path profile) {
		String flag = "--user-data-dir=" + profile;
		java.util.List<ProcessHandle> leftovers = ProcessHandle.allProcesses()
			.filter((p) -> p.info().commandLine().map((c) -> c.contains(flag)).orElse(false))
			.toList();
		for (ProcessHandle p : leftovers) {
			p.descendants().forEach(ProcessHandle::destroyForcibly);
			p.destroyForcibly();
		}
		for (ProcessHandle p : leftovers) {
			try {
				p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
			}
			catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex) {
				// reported by the directory left behind
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		try (java.util.stream.Stream<Path> files = Files.walk(profile)) {
			files.sorted(java.util.Comparator.reverseOrder()).forEach((f) -> f.toFile().delete());
		}
		catch (IOException | UncheckedIOException ex) {
			// a profile a process still writes to stays in the temp directory
		}
		return leftovers.size();
	}

	/**
	 * Sizes the window so that the page's viewport ({@code innerWidth} ×
	 * {@code innerHeight}) is exactly {@code width} × {@code height}, as a projector of
	 * that resolution shows it: the window's frame is measured and added.
	 */
	public static void viewport(ChromeDriver driver, int width, int height) {
		driver.manage().window().setSize(new Dimension(width, height));
		java.util.List<?> inner = (java.util.List<?>) driver.executeScript("return [innerWidth, innerHeight]");
		int dw = width - ((Number) inner.get(0)).intValue();
		int dh = height - ((Number) inner.get(1)).intValue();
		if (dw != 0 || dh != 0) {
			driver.manage().window().setSize(new Dimension(width + dw, height + dh));
		}
	}

	/**
	 * Saves a screenshot as {@code target/screenshots/<name>.png} and returns its path.
	 */
	public static Path screenshot(ChromeDriver driver, String name) {
		Path dir = Path.of(System.getProperty("racetrack.screenshots", "target/screenshots"));
		try {
			Files.createDirectories(dir);
			File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
			Path target = dir.resolve(name + ".png");
			Files.copy(png.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
			return target;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static Path tempProfile() {
		try {
			return Files.createTempDirectory("racetrack-chromium");
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
