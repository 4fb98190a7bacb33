package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an iptables rule into words the way a shell would: white space separates, double
 * quotes group (a backslash escapes the next character, as {@code xtables_save_string}
 * writes them), single quotes group literally.
 */
final class RuleTokenizer {

	/**
	 * The words of a line.
	 *
	 * @param words the words, quotes removed
	 * @param unterminated whether a quote was still open at the end of the line
	 */
	record Words(List<String> words, boolean unterminated) {
	}

	private RuleTokenizer() {
	}

	static Words split(String line) {
		List<String> words = new ArrayList<>();
		StringBuilder word = null;
		char quote = 0;
		for (int i = 0; i < line.length(); i++) {
			char c = line.charAt(i);
			if (quote == 0 && Character.isWhitespace(c)) {
				if (word != null) {
					words.add(word.toString());
					word = null;
				}
				continue;
			}
			word = (word != null) ? word : new StringBuilder();
			if (c == '\\' && quote != '\'' && i + 1 < line.length()) {
				word.append(line.charAt(++i));
			}
			else if (quote == 0 && (c == '"' || c == '\'')) {
				quote = c;
			}
			else if (c == quote) {
				quote = 0;
			}
			else {
				word.append(c);
			}
		}
		if (word != null) {
			words.add(word.toString());
		}
		return new Words(words, quote != 0);
	}

}
