package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a kernel release from {@code uname -r}, {@code uname -a} or
 * {@code /proc/version}: the first word shaped like {@code 5.15.0-1057-azure}. Never
 * throws: other lines are reported with their number and a reason.
 */
public final class UnameParser {

	private static final Pattern RELEASE = Pattern
		.compile("(\\d{1,2})\\.(\\d{1,3})(?:\\.(\\d{1,6}))?([-+~_.].{0,80})?");

	/**
	 * A kernel read from a text.
	 *
	 * @param version the release, when one was read
	 * @param problems the lines not read
	 */
	public record Result(Optional<KernelVersion> version, List<LineProblem> problems) {

		public Result {
			problems = List.copyOf(problems);
		}

	}

	private UnameParser() {
	}

	public static Result parse(String text) {
		PastedText pasted = PastedText.of(text);
		List<LineProblem> problems = new ArrayList<>();
		KernelVersion version = null;
		for (int number = 1; number <= pasted.size(); number++) {
			String line = pasted.line(number);
			ShellNoise.Kind kind = ShellNoise.classify(line);
			if (kind == ShellNoise.Kind.SHELL_MESSAGE) {
				problems.add(new LineProblem(number, ShellNoise.shellMessageReason(line)));
			}
			if (kind != ShellNoise.Kind.CONTENT) {
				continue;
			}
			Optional<KernelVersion> found = find(line.strip(), number);
			if (found.isEmpty()) {
				problems.add(new LineProblem(number, "no kernel release here (expected e.g. 5.15.0-1057-azure)"));
			}
			else if (version != null) {
				problems.add(new LineProblem(number,
						"a second kernel release: only the first (line " + version.line() + ") is used"));
			}
			else {
				version = found.get();
			}
		}
		pasted.overflow().ifPresent(problems::add);
		return new Result(Optional.ofNullable(version), problems);
	}

	private static Optional<KernelVersion> find(String line, int number) {
		String[] words = line.split("\\s+");
		int first = (words.length > 2 && words[0].equals("Linux") && !words[1].equals("version")) ? 2 : 0;
		for (int i = first; i < words.length; i++) {
			Matcher matcher = RELEASE.matcher(words[i]);
			if (matcher.matches()) {
				int major = Integer.parseInt(matcher.group(1));
				if (major < 2 || major > 9) {
					continue;
				}
				int patch = (matcher.group(3) != null) ? Integer.parseInt(matcher.group(3)) : -1;
				String suffix = (matcher.group(4) != null) ? matcher.group(4) : "";
				return Optional
					.of(new KernelVersion(words[i], major, Integer.parseInt(matcher.group(2)), patch, suffix, number));
			}
		}
		return Optional.empty();
	}

}
