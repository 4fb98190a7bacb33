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
 */
public final class Browser {

	static final Path CHROMIUM = Path.of("/usr/bin/chromium");

	static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

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
				"--window-size=" + width + "," + height, "--user-data-dir=" + tempProfile());
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
			.usingAnyFreePort()
			.build();
		ChromeDriver driver = new ChromeDriver(service, options);
		try {
			driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
			driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
			return driver;
		}
		catch (RuntimeException ex) {
			// Not handed out, so nobody else would quit it.
			try {
				driver.quit();
			}
			catch (RuntimeException quit) {
				ex.addSuppressed(quit);
			}
			throw ex;
		}
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

	private static String tempProfile() {
		try {
			return Files.createTempDirectory("racetrack-chromium").toString();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
