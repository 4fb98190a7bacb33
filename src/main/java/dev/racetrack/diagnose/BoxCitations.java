package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells which box a cited line is from, when the form has several: the rules cite a line
 * by its number in the box it was read from ({@code line 3: -A POSTROUTING …}), so two
 * boxes can each have a line 3. A citation followed by the line's own text becomes
 * {@code line 3 of iptables: …} when exactly one box other than the paste holds that text
 * on that line; the paste's lines keep their plain {@code line 3}, as
 * {@code Diagnoser.where} writes them, and a citation no box settles is left as it is.
 */
final class BoxCitations {

	private static final Pattern CITE = Pattern.compile("\\bline (\\d{1,6}): ");

	/** How much of a line must match the text after its citation. */
	private static final int PREFIX = 16;

	private static final Pattern SPACES = Pattern.compile("\\s{1,4000}");

	/** The boxes given, by field, when there are two or more; else none. */
	private final Map<String, PastedText> boxes;

	private BoxCitations(Map<String, PastedText> boxes) {
		this.boxes = boxes;
	}

	/** The boxes of a form, by field, in the order they are read. */
	static BoxCitations of(Map<String, String> texts) {
		Map<String, PastedText> boxes = new LinkedHashMap<>();
		if (texts.size() > 1) {
			texts.forEach((field, text) -> boxes.put(field, PastedText.of(text)));
		}
		return new BoxCitations(boxes);
	}

	List<Finding> qualify(List<Finding> findings) {
		if (this.boxes.isEmpty()) {
			return findings;
		}
		List<Finding> qualified = new ArrayList<>(findings.size());
		for (Finding f : findings) {
			qualified.add(f.with(f.evidence().stream().map(this::qualify).toList(),
					f.mitigations().stream().map(this::qualify).toList()));
		}
		return qualified;
	}

	Verdict qualify(Verdict verdict) {
		if (this.boxes.isEmpty()) {
			return verdict;
		}
		return new Verdict(verdict.severity(), qualify(verdict.text()), qualify(verdict.firstFix()),
				verdict.perMinute());
	}

	/** A text with each citation of a line told its box where one box settles it. */
	String qualify(String text) {
		if (this.boxes.isEmpty() || text == null || !text.contains("line ")) {
			return text;
		}
		Matcher cite = CITE.matcher(text);
		StringBuilder out = new StringBuilder(text.length() + 16);
		int last = 0;
		while (cite.find()) {
			int number = Integer.parseInt(cite.group(1));
			String field = owner(number, text.substring(cite.end(), Math.min(text.length(), cite.end() + 400)));
			out.append(text, last, cite.start()).append("line ").append(number);
			if (field != null && !field.equals(NodeSample.PASTE)) {
				out.append(" of ").append(field);
			}
			out.append(": ");
			last = cite.end();
		}
		return out.append(text, last, text.length()).toString();
	}

	/**
	 * The one box whose line {@code number} begins as {@code quoted} does, or, when none
	 * does (a rule may quote a line in its own words: {@code cpu=0 insert_failed=3}), the
	 * one whose line begins with the same first word; null when none or several do.
	 */
	private String owner(int number, String quoted) {
		String wanted = normal(quoted);
		String byText = null;
		String byWord = null;
		int texts = 0;
		int words = 0;
		for (Map.Entry<String, PastedText> box : this.boxes.entrySet()) {
			PastedText pasted = box.getValue();
			if (number > pasted.size()) {
				continue;
			}
			String line = normal(ShellNoise.clean(pasted.line(number)).output());
			if (line.isEmpty()) {
				continue;
			}
			if (wanted.startsWith(line.substring(0, Math.min(PREFIX, line.length())))) {
				byText = box.getKey();
				texts++;
			}
			if (firstWord(wanted).equals(firstWord(line))) {
				byWord = box.getKey();
				words++;
			}
		}
		if (texts > 0) {
			return (texts == 1) ? byText : null;
		}
		return (words == 1) ? byWord : null;
	}

	private static String firstWord(String text) {
		int space = text.indexOf(' ');
		return (space < 0) ? text : text.substring(0, space);
	}

	private static String normal(String text) {
		return SPACES.matcher(text.strip()).replaceAll(" ");
	}

}
