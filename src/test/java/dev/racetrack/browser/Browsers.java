package dev.racetrack.browser;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Starts the headless Chromiums of a test class through {@link Browser#start} and quits
 * every one it started: one started in a test after that test, one started outside a test
 * (in a {@code @BeforeAll}) after the class. Register it in an instance field for
 * browsers per test, in a static field for a browser per class:
 *
 * <pre>
 * &#64;RegisterExtension
 * final Browsers browsers = new Browsers();
 *
 * &#64;Test
 * void ...() {
 *     this.driver = this.browsers.start(1920, 1080);
 * </pre>
 *
 * The browsers are quit newest first, each one even when an earlier quit throws: the
 * first exception is thrown with the later ones suppressed in it. A browser whose start
 * threw was never handed out, so it has nothing to quit; the ones started before it are
 * quit as usual. When the test itself failed, JUnit keeps its failure first and adds the
 * quit's exception to it as suppressed, so a quit never hides a failure.
 */
public final class Browsers implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

	private final Deque<Started> ofTheClass = new ArrayDeque<>();

	private final Deque<Started> ofTheTest = new ArrayDeque<>();

	private boolean inTest;

	/**
	 * Returns a new headless Chromium of the given window size (or skips the test, as
	 * {@link Browser#start} does), quit when the test or the class ends.
	 */
	public ChromeDriver start(int width, int height) {
		ChromeDriver driver = Browser.start(width, height);
		return track(driver, () -> Browser.quit(driver));
	}

	/**
	 * Quits a browser this extension started now, before its test or class ends (a
	 * follower who leaves the class); it is not quit again.
	 */
	public void quit(Object browser) {
		for (Deque<Started> scope : List.of(this.ofTheTest, this.ofTheClass)) {
			for (Iterator<Started> it = scope.iterator(); it.hasNext();) {
				Started started = it.next();
				if (started.browser() == browser) {
					it.remove();
					started.quit().run();
					return;
				}
			}
		}
		throw new IllegalArgumentException("not a browser these Browsers started: " + browser);
	}

	/**
	 * Remembers a started browser and how to quit it, in the scope of the running test or
	 * else of the class; the seam through which the unit test feeds fake browsers.
	 */
	<T> T track(T browser, Runnable quit) {
		(this.inTest ? this.ofTheTest : this.ofTheClass).addLast(new Started(browser, quit));
		return browser;
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		this.inTest = true;
	}

	@Override
	public void afterEach(ExtensionContext context) {
		this.inTest = false;
		quitAll(this.ofTheTest);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		quitAll(this.ofTheClass);
	}

	/**
	 * Quits every browser of a scope, newest first; throws the first exception with the
	 * others suppressed in it.
	 */
	private static void quitAll(Deque<Started> scope) {
		Throwable first = null;
		while (!scope.isEmpty()) {
			try {
				scope.removeLast().quit().run();
			}
			catch (RuntimeException | Error ex) {
				if (first == null) {
					first = ex;
				}
				else {
					first.addSuppressed(ex);
				}
			}
		}
		if (first instanceof Error error) {
			throw error;
		}
		if (first != null) {
			throw (RuntimeException) first;
		}
	}

	private record Started(Object browser, Runnable quit) {
	}

}
