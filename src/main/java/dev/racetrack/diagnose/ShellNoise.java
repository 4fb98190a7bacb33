package dev.racetrack.diagnose;

import java.util.regex.Pattern;

/**
 * What people paste around a command's output: shell prompts, the command line itself,
 * blank lines, Markdown fences and the shell's own complaints. Every parser asks this
 * class first, so that only the output is parsed.
 */
final class ShellNoise {

	/** What kind of line this is. */
	enum Kind {

		/** Empty or white space only. */
		BLANK,

		/**
		 * A prompt with nothing after it, a prompt followed by a command, or a command.
		 */
		COMMAND,

		/** A Markdown code fence, as in a pasted issue or chat message. */
		FENCE,

		/** The shell's own message, e.g. {@code -bash: conntrack: command not found}. */
		SHELL_MESSAGE,

		/** Anything else: what the parser must read. */
		CONTENT

	}

	private static final String COMMANDS = "(?:sudo(?:\\s+-\\S+)*\\s+)?(?:conntrack|cat|iptables|iptables-save"
			+ "|iptables-legacy|iptables-legacy-save|iptables-nft|iptables-nft-save|ip6tables|ip6tables-save|nft"
			+ "|uname|kubectl|docker|crictl|nsenter|watch|sleep|grep|egrep|less|more|head|tail|echo|ssh|date"
			+ "|exit|clear|sysctl|lsb_release|hostname)(?:\\s.*)?";

	/**
	 * {@code root@node:~#}, {@code [root@ip-10-0-0-1 ~]#}, {@code bash-4.2$}, and
	 * busybox's {@code / #} in a pod.
	 */
	private static final String STRONG_PROMPT = "(?:(?:\\[[^\\]]*\\]|[\\w.-]+@[\\w.-]+(?::\\S*)?|[\\w.-]+-\\d[\\d.]*)\\s?"
			+ "|[/~]\\S*\\s)[#$%>]";

	private static final Pattern PROMPT_ONLY = Pattern.compile(STRONG_PROMPT + "|[#$%>]");

	private static final Pattern PROMPT_AND_ANYTHING = Pattern.compile(STRONG_PROMPT + "\\s.*");

	private static final Pattern COMMAND = Pattern.compile("(?:(?:\\S*[#$%>])\\s*)?" + COMMANDS);

	/**
	 * The first line of {@code watch conntrack -S}: {@code Every 2.0s: conntrack -S …}.
	 */
	private static final Pattern WATCH_HEADER = Pattern.compile("Every \\d+(?:\\.\\d+)?s: .*");

	private static final Pattern SHELL_MESSAGE = Pattern.compile("-?(?:ba|z|da|k|c|tc|)sh(?:-[\\d.]+)?:\\s.*"
			+ "|sudo:\\s.*|\\[sudo\\] password.*|.*: command not found|.*: No such file or directory"
			+ "|.*: Permission denied|.*Operation not permitted.*");

	private ShellNoise() {
	}

	static Kind classify(String line) {
		String text = line.strip();
		if (text.isEmpty()) {
			return Kind.BLANK;
		}
		if (text.startsWith("```") || text.startsWith("~~~")) {
			return Kind.FENCE;
		}
		if (WATCH_HEADER.matcher(text).matches() || PROMPT_ONLY.matcher(text).matches()
				|| PROMPT_AND_ANYTHING.matcher(text).matches() || COMMAND.matcher(text).matches()) {
			return Kind.COMMAND;
		}
		if (SHELL_MESSAGE.matcher(text).matches()) {
			return Kind.SHELL_MESSAGE;
		}
		return Kind.CONTENT;
	}

	/** The reason given for a shell message line. */
	static String shellMessageReason(String line) {
		String text = line.strip();
		if (text.endsWith("command not found")) {
			return "a shell message, not command output: the command is not installed on this node";
		}
		return "a shell message, not command output";
	}

}
