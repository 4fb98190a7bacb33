package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The blocks of a {@code kubectl describe}: one per object, from its {@code Name:} line
 * to the next. Every later line goes to the block it is in, with its key when it is a
 * field ({@code Key: value} at the start of the line; the reader's lines come stripped,
 * so a field is told from a label's further line by its key alone).
 */
final class DescribeBlocks {

	/** One object's block, told its lines in order. */
	interface Block {

		/**
		 * @param key the field's key, or {@code ""} when the line is not a field
		 * @param value the field's value, stripped ({@code ""} when none)
		 * @param text the whole line, stripped
		 */
		void line(String key, String value, String text, int number);

	}

	private DescribeBlocks() {
	}

	/**
	 * The blocks of the lines, each started by {@code start} from its {@code Name:} value
	 * and line number.
	 * @param field a field: the key in group 1, the value (if any) in group 2
	 */
	static <B extends Block> List<B> read(List<Line> lines, Pattern field, BiFunction<String, Integer, B> start) {
		List<B> blocks = new ArrayList<>();
		B block = null;
		for (Line line : lines) {
			String text = line.text().strip();
			Matcher m = field.matcher(text);
			boolean isField = m.matches();
			String key = isField ? m.group(1) : "";
			String value = (isField && m.group(2) != null) ? m.group(2).strip() : "";
			if (key.equals("Name")) {
				block = start.apply(value, line.number());
				blocks.add(block);
			}
			else if (block != null) {
				block.line(key, value, text, line.number());
			}
		}
		return blocks;
	}

}
