package dev.racetrack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * There is no Docker engine on the build machines, so the {@code Dockerfile} is checked
 * by reading it (the frontend's test run also lints it with {@code dockerfile-utils}).
 */
class DockerfileTests {

	final String dockerfile = read("Dockerfile");

	@Test
	void buildsWithTheWrapperAndRunsOnAJre() {
		List<String> froms = Pattern.compile("(?m)^FROM\\s+(\\S+)")
			.matcher(this.dockerfile)
			.results()
			.map((m) -> m.group(1))
			.toList();
		assertThat(froms).containsExactly("eclipse-temurin:17-jdk", "eclipse-temurin:17-jre");
		assertThat(this.dockerfile).contains("./mvnw -B").contains("COPY --from=build");
	}

	@Test
	void runsAsANonRootUserAndExposes8080WithAHealthCheck() {
		Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(this.dockerfile);
		assertThat(user.find()).isTrue();
		assertThat(user.group(1)).isNotIn("root", "0");
		assertThat(this.dockerfile).containsPattern("(?m)^EXPOSE 8080$")
			.containsPattern("(?m)^HEALTHCHECK .*")
			.contains("/actuator/health");
		int userLine = this.dockerfile.indexOf("\nUSER ");
		int entrypoint = this.dockerfile.indexOf("\nENTRYPOINT ");
		assertThat(userLine).isPositive().isLessThan(entrypoint);
	}

	@Test
	void everyCopiedPathExistsAndTheContextIgnoresBuildOutput() {
		Pattern.compile("(?m)^COPY (?!--from)(.+?)\\s+\\S+$")
			.matcher(this.dockerfile)
			.results()
			.flatMap((m) -> List.of(m.group(1).trim().split("\\s+")).stream())
			.filter((src) -> !src.startsWith("--"))
			.forEach((src) -> assertThat(Path.of(src)).as("COPY source %s", src).exists());
		assertThat(read(".dockerignore").lines()).contains("target", "frontend/node_modules", ".git");
	}

	private static String read(String file) {
		try {
			return Files.readString(Path.of(file));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
