package dev.racetrack.diagnose;

import java.util.List;
import java.util.Objects;

/**
 * What a node's own output says about its exposure to the NAT/conntrack races.
 *
 * @param profile the modelled kernel it is read as, and why
 * @param findings worst first
 * @param unreadLines every pasted line that could not be read, by input and line
 * @param replayUrl a Lab permalink that replays the most severe race with this node's
 * kernel, SNAT mode, resolver and DNS endpoints
 */
public record Diagnosis(KernelMatch profile, List<Finding> findings, List<UnreadLine> unreadLines, String replayUrl) {

	public Diagnosis {
		Objects.requireNonNull(profile, "profile");
		findings = List.copyOf(findings);
		unreadLines = List.copyOf(unreadLines);
		Objects.requireNonNull(replayUrl, "replayUrl");
	}

}
