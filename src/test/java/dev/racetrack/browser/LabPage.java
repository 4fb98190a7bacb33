package dev.racetrack.browser;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reading and driving the Lab page as a user sees it (the caption, the step counter, the
 * keys, the {@code conntrack -S} table), shared by the browser tests of the served Lab
 * and of the offline replay, which is the same page.
 */
public interface LabPage {

	/** The browser showing the page. */
	ChromeDriver driver();

	/** Waits up to 20 s for {@code condition}. */
	default void waitFor(Function<WebDriver, Boolean> condition) {
		new WebDriverWait(driver(), Duration.ofSeconds(20)).until(condition::apply);
	}

	/** Waits until the page has loaded a run and says it is ready. */
	default void waitUntilReady() {
		waitFor((d) -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")) && total() > 0);
	}

	/** The step the caption describes, or -2 before the first. */
	default long step() {
		String s = driver().findElement(By.id("caption")).getDomAttribute("data-step");
		return (s == null) ? -2 : Long.parseLong(s);
	}

	/** The number of steps in the run ({@code n / total}). */
	default long total() {
		String text = driver().findElement(By.id("step-no")).getText();
		int slash = text.indexOf('/');
		String total = (slash < 0) ? "" : text.substring(slash + 1).trim();
		return total.matches("\\d+") ? Long.parseLong(total) : 0;
	}

	/** The caption's text. */
	default String caption() {
		return driver().findElement(By.id("caption")).getText();
	}

	/** Presses a key on the page. */
	default void press(CharSequence key) {
		new Actions(driver()).sendKeys(key).perform();
	}

	/**
	 * The value of a {@code conntrack -S} counter on one CPU, as the page prints it (one
	 * row per counter, one column per CPU).
	 */
	default String counter(int cpu, String name) {
		List<WebElement> heads = driver().findElements(By.cssSelector("#counters thead th"));
		int column = -1;
		for (int i = 0; i < heads.size(); i++) {
			if (heads.get(i).getText().equals("cpu=" + cpu)) {
				column = i;
			}
		}
		assertThat(column).as("counter column cpu=" + cpu).isPositive();
		WebElement row = driver().findElement(By.cssSelector("#counters tbody tr[data-counter='" + name + "']"));
		return row.findElements(By.cssSelector("th, td")).get(column).getText();
	}

}
