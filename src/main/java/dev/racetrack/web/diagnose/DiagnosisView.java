package dev.racetrack.web.diagnose;

import java.util.List;
import java.util.Locale;

import dev.racetrack.diagnose.Diagnosis;
import dev.racetrack.diagnose.Finding;
import dev.racetrack.diagnose.KernelMatch;
import dev.racetrack.diagnose.UnreadLine;

/**
 * A {@link Diagnosis} as {@code POST /api/diagnose} returns it and the page renders it:
 * {@code {profile: {id, title, uname, basis, explanation}, findings: [{id, severity,
 * title, evidence, mitigations}], unreadLines: [{field, line, reason}], replayUrl}}.
 */
record DiagnosisView(Profile profile, List<FindingView> findings, List<UnreadLine> unreadLines, String replayUrl) {

	/** The modelled kernel the node is read as. */
	record Profile(String id, String title, String uname, String basis, String explanation) {

		static Profile of(KernelMatch match) {
			return new Profile(match.profile().id(), match.profile().title(), match.uname(),
					match.basis().name().toLowerCase(Locale.ROOT), match.explanation());
		}

	}

	/** One finding, its severity as {@code critical}, {@code warning} or {@code info}. */
	record FindingView(String id, String severity, String title, List<String> evidence, List<String> mitigations) {

		static FindingView of(Finding finding) {
			return new FindingView(finding.id(), finding.severity().id(), finding.title(), finding.evidence(),
					finding.mitigations());
		}

	}

	static DiagnosisView of(Diagnosis diagnosis) {
		return new DiagnosisView(Profile.of(diagnosis.profile()),
				diagnosis.findings().stream().map(FindingView::of).toList(), diagnosis.unreadLines(),
				diagnosis.replayUrl());
	}

}
