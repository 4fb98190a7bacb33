package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a kernel release from {@code uname -r}, {@code uname -a}, {@code /proc/version},
 * a "Kernel:" note in an issue's environment list, or the KERNEL-VERSION column of
 * {@code kubectl get nodes -o wide}. Keeps what follows the release on a {@code uname -a}
 * or {@code /proc/version} line ({@code #1 SMP Debian 5.10.70-1},
 * {@code #109~16.04.1-Ubuntu SMP}): distributions print their upstream sublevel and build
 * there. Never throws: other lines are reported with their number and a reason.
 */
public final class UnameParser {

	private static final Pattern RELEASE = Pattern
		.compile("(\\d{1,2})\\.(\\d{1,3})(?:\\.(\\d{1,6}))?([-+~_.][\\w.+~-]{0,80})?");

	private static final Pattern SEMVER_WORD = Pattern.compile("[\\w.+~-]{1,100}");

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
		List<LineProblem> problems = new ArrayList<>();
		PasteReader.Sorted sorted = PasteReader.read(text);
		problems.addAll(sorted.problems());
		problems.addAll(sorted.outside(PasteFormat.UNAME,
				(line) -> "no kernel release here (expected e.g. 5.15.0-1057-azure)"));
		Result result = parse(sorted.of(PasteFormat.UNAME));
		problems.addAll(result.problems());
		problems.sort(java.util.Comparator.comparingInt(LineProblem::line));
		return new Result(result.version(), problems);
	}

	/** Reads the kernel lines of a sorted paste. */
	static Result parse(List<Line> lines) {
		List<LineProblem> problems = new ArrayList<>();
		KernelVersion version = null;
		for (Line line : lines) {
			Optional<KernelVersion> found = find(line.text().strip(), line.number());
			if (found.isEmpty()) {
				problems
					.add(new LineProblem(line.number(), "no kernel release here (expected e.g. 5.15.0-1057-azure)"));
			}
			else if (version != null) {
				if (!version.release().equals(found.get().release())) {
					problems.add(new LineProblem(line.number(),
							"a second kernel release: only the first (line " + version.line() + ") is used"));
				}
			}
			else {
				version = found.get();
			}
		}
		return new Result(Optional.ofNullable(version), problems);
	}

	/** A release from one KERNEL-VERSION cell of kubectl get nodes, with its OS image. */
	static Optional<KernelVersion> fromNode(String kernel, String osImage, int line) {
		Optional<KernelVersion> version = find(kernel, line);
		return version
			.map((v) -> new KernelVersion(v.release(), v.major(), v.minor(), v.patch(), v.suffix(), line, osImage));
	}

	static Optional<KernelVersion> find(String line, int number) {
		String[] words = line.split("\\s+");
		int first = 0;
		boolean unameA = words.length > 2 && words[0].equals("Linux");
		if (unameA) {
			first = words[1].equals("version") ? 2 : (RELEASE.matcher(words[1]).matches() ? 1 : 2);
		}
		for (int i = first; i < words.length; i++) {
			String word = words[i].replaceAll("^[`'\"(]+|[`'\",):;]+$", "");
			if (!SEMVER_WORD.matcher(word).matches()) {
				continue;
			}
			Matcher matcher = RELEASE.matcher(word);
			if (matcher.matches()) {
				int major = Integer.parseInt(matcher.group(1));
				if (major < 2 || major > 9) {
					continue;
				}
				int patch = (matcher.group(3) != null) ? Integer.parseInt(matcher.group(3)) : -1;
				String suffix = (matcher.group(4) != null) ? matcher.group(4) : "";
				String build = unameA ? String.join(" ", List.of(words).subList(i + 1, words.length)) : "";
				return Optional.of(new KernelVersion(word, major, Integer.parseInt(matcher.group(2)), patch, suffix,
						number, build));
			}
		}
		return Optional.empty();
	}

}
