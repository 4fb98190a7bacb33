package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A pasted text cut into numbered lines, within the limits that every parser shares: at
 * most {@value #MAX_CHARS} characters and {@value #MAX_LINES} lines are read, and what
 * lies beyond is reported as one {@link LineProblem} naming the first line not read.
 * Accepts LF, CRLF and lone CR line ends; drops terminal colour codes, other control
 * characters (tabs are kept), a byte-order mark and trailing spaces.
 */
public final class PastedText {

	/** The most characters of one pasted text that are read (64 KiB of ASCII). */
	public static final int MAX_CHARS = 65_536;

	/** The most lines of one pasted text that are read. */
	public static final int MAX_LINES = 4_096;

	/**
	 * The most characters of one line that are read; the rest is cut off and reported.
	 */
	public static final int MAX_LINE_CHARS = 16_384;

	private static final Pattern ANSI_ESCAPE = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");

	private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\t]]|\uFEFF");

	private final List<String> lines;

	private final LineProblem overflow;

	private final List<LineProblem> cut = new ArrayList<>();

	private PastedText(List<String> lines, LineProblem overflow) {
		this.lines = Collections.unmodifiableList(lines);
		this.overflow = overflow;
	}

	private PastedText(List<String> lines, LineProblem overflow, List<LineProblem> cut) {
		this(lines, overflow);
		this.cut.addAll(cut);
	}

	/** Splits a text (which may be {@code null}) into cleaned lines. */
	public static PastedText of(String text) {
		List<String> lines = new ArrayList<>();
		List<LineProblem> cut = new ArrayList<>();
		if (text == null) {
			return new PastedText(lines, null);
		}
		int length = text.length();
		int start = 0;
		while (start < length) {
			if (lines.size() == MAX_LINES) {
				return new PastedText(lines, new LineProblem(MAX_LINES + 1,
						"not read: only the first " + MAX_LINES + " lines of a pasted text are read"), cut);
			}
			int end = lineEnd(text, start);
			if (end > MAX_CHARS) {
				return new PastedText(lines,
						new LineProblem(lines.size() + 1,
								"not read: only the first " + MAX_CHARS + " characters of a pasted text are read"),
						cut);
			}
			int keep = Math.min(end, start + MAX_LINE_CHARS);
			if (keep < end) {
				cut.add(new LineProblem(lines.size() + 1,
						"read in part: only the first " + MAX_LINE_CHARS + " characters of a line are read"));
			}
			lines.add(clean(text.substring(start, keep)));
			start = nextLineStart(text, end);
		}
		return new PastedText(lines, null, cut);
	}

	private static int lineEnd(String text, int start) {
		int end = start;
		while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
			end++;
		}
		return end;
	}

	private static int nextLineStart(String text, int end) {
		boolean crlf = end + 1 < text.length() && text.charAt(end) == '\r' && text.charAt(end + 1) == '\n';
		return crlf ? end + 2 : end + 1;
	}

	private static String clean(String line) {
		String noEscapes = ANSI_ESCAPE.matcher(line).replaceAll("");
		return CONTROL.matcher(noEscapes).replaceAll("").stripTrailing();
	}

	/** The number of lines read. */
	public int size() {
		return this.lines.size();
	}

	/** The cleaned text of a line, by its 1-based number. */
	public String line(int number) {
		return this.lines.get(number - 1);
	}

	/** The first line not read because the text is over a limit, if it is. */
	public Optional<LineProblem> overflow() {
		return Optional.ofNullable(this.overflow);
	}

	/** Lines longer than {@value #MAX_LINE_CHARS} characters, cut there. */
	public List<LineProblem> cutLines() {
		return List.copyOf(this.cut);
	}

	/** Whether the text holds nothing but white space. */
	public boolean isBlank() {
		return this.lines.stream().allMatch(String::isBlank) && this.overflow == null;
	}

}
