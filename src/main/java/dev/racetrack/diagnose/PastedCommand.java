package dev.racetrack.diagnose;

import java.util.Objects;

/**
 * A command pasted above its output ({@code $ iptables-save}, {@code # conntrack -S},
 * {@code cat /proc/sys/net/netfilter/nf_conntrack_max}), as {@link PasteReader} found it
 * once for every reader: the readers of the output below it take from it what the output
 * does not say (the table an {@code iptables -L} listed, the key of a bare number, the
 * label a {@code kubectl get endpointslices} selected, a {@code tcpdump -ttt}).
 * {@link PasteReader.Sorted#commandAbove} finds the one above a line.
 *
 * @param line the 1-based number of the pasted line it is on
 * @param text the command, its prompt taken off ({@link ShellNoise}); never empty
 */
public record PastedCommand(int line, String text) {

	public PastedCommand {
		if (line < 1) {
			throw new IllegalArgumentException("line numbers start at 1, not " + line);
		}
		Objects.requireNonNull(text, "text");
		if (text.isEmpty()) {
			throw new IllegalArgumentException("an empty command at line " + line);
		}
	}

}
