package dev.racetrack.browser;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.mockito.Mockito.mock;

/**
 * {@link Browsers} without a Chromium: fake browsers fed through its package-private
 * seam, its JUnit callbacks called as JUnit calls them.
 */
class BrowsersTests {

	final ExtensionContext context = mock(ExtensionContext.class);

	final Browsers browsers = new Browsers();

	final List<String> quit = new ArrayList<>();

	@Test
	void aTestsBrowsersAreQuitAfterItNewestFirstAndOnlyOnce() {
		this.browsers.beforeEach(this.context);
		start("presenter");
		start("follower");
		assertThat(this.quit).isEmpty();
		this.browsers.afterEach(this.context);
		assertThat(this.quit).containsExactly("follower", "presenter");
		this.browsers.afterAll(this.context);
		assertThat(this.quit).as("nothing is quit twice").containsExactly("follower", "presenter");
	}

	@Test
	void aBrowserStartedBeforeAllLivesThroughTheTestsAndIsQuitAfterTheClass() {
		start("stage");
		for (int i = 0; i < 3; i++) {
			this.browsers.beforeEach(this.context);
			start("test " + i);
			this.browsers.afterEach(this.context);
		}
		assertThat(this.quit).containsExactly("test 0", "test 1", "test 2");
		this.browsers.afterAll(this.context);
		assertThat(this.quit).containsExactly("test 0", "test 1", "test 2", "stage");
	}

	@Test
	void aSecondStartThatThrowsStillLeavesTheFirstBrowserToBeQuit() {
		this.browsers.beforeEach(this.context);
		start("presenter");
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.browsers.track(startFails(), () -> {
				throw new AssertionError("a browser that never started is not quit");
			}));
		this.browsers.afterEach(this.context);
		assertThat(this.quit).containsExactly("presenter");
	}

	@Test
	void everyBrowserIsQuitWhenQuitsThrowAndTheFirstExceptionCarriesTheOthers() {
		this.browsers.beforeEach(this.context);
		start("a");
		this.browsers.track("b", () -> {
			this.quit.add("b");
			throw new IllegalStateException("b would not quit");
		});
		start("c");
		this.browsers.track("d", () -> {
			this.quit.add("d");
			throw new AssertionError("d would not quit");
		});
		start("e");
		Throwable thrown = catchThrowableOfType(AssertionError.class, () -> this.browsers.afterEach(this.context));
		assertThat(this.quit).containsExactly("e", "d", "c", "b", "a");
		assertThat(thrown).hasMessage("d would not quit");
		assertThat(thrown.getSuppressed()).extracting(Throwable::getMessage).containsExactly("b would not quit");
	}

	@Test
	void aBrowserQuitEarlyIsNotQuitAgain() {
		this.browsers.beforeEach(this.context);
		start("presenter");
		start("follower");
		this.browsers.quit("follower");
		assertThat(this.quit).containsExactly("follower");
		this.browsers.afterEach(this.context);
		assertThat(this.quit).containsExactly("follower", "presenter");
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> this.browsers.quit("follower"));
	}

	private void start(String name) {
		assertThat(this.browsers.track(name, () -> this.quit.add(name))).isSameAs(name);
	}

	private static String startFails() {
		throw new IllegalStateException("chromedriver did not start");
	}

}
