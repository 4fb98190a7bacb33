package dev.racetrack.diagnose;

import java.util.List;
import java.util.Objects;

/**
 * What a node's own output says about its exposure to the NAT/conntrack races.
 *
 * @param profile the kernel as read, with its clash fixes
 * @param findings worst first; each evidence line appears once, in the worst finding
 * @param unreadLines every pasted line that carried something and could not be read, by
 * input and line (runs of lines with the same reason as one entry)
 * @param replayUrl a Lab permalink that replays the most severe race with this node's
 * kernel, SNAT mode, resolver and DNS endpoints
 * @param verdict the first line: the verdict, the rate when two samples give one, the
 * first fix
 * @param read which outputs were found, and where
 */
public record Diagnosis(KernelMatch profile, List<Finding> findings, List<UnreadLine> unreadLines, String replayUrl,
		Verdict verdict, List<String> read) {

	public Diagnosis {
		Objects.requireNonNull(profile, "profile");
		findings = List.copyOf(findings);
		unreadLines = List.copyOf(unreadLines);
		Objects.requireNonNull(replayUrl, "replayUrl");
		Objects.requireNonNull(verdict, "verdict");
		read = List.copyOf(read);
	}

}
