package dev.racetrack.web.diagnose;

import java.util.List;
import java.util.Locale;

import dev.racetrack.diagnose.Diagnosis;
import dev.racetrack.diagnose.Finding;
import dev.racetrack.diagnose.KernelMatch;
import dev.racetrack.diagnose.UnreadLine;
import dev.racetrack.diagnose.Verdict;

/**
 * A {@link Diagnosis} as {@code POST /api/diagnose} returns it and the page renders it:
 * {@code {verdict: {severity, text, firstFix, perMinute}, profile: {id, title, uname,
 * basis, explanation, distribution}, findings: [{id, severity, title, evidence,
 * mitigations}], unreadLines: [{field, line, lastLine, reason}], replayUrl, read}}.
 */
record DiagnosisView(VerdictView verdict, Profile profile, List<FindingView> findings, List<UnreadLine> unreadLines,
		String replayUrl, List<String> read) {

	/**
	 * The first line: {@code severity}, {@code text}, {@code firstFix} ({@code ""} when
	 * none) and {@code perMinute} ({@code null} without two samples).
	 */
	record VerdictView(String severity, String text, String firstFix, Double perMinute) {

		static VerdictView of(Verdict verdict) {
			return new VerdictView(verdict.severity().id(), verdict.text(), verdict.firstFix(),
					verdict.perMinute().orElse(null));
		}

		/** {@code 24} or {@code 2.5}, for the page. */
		public String perMinuteText() {
			if (this.perMinute == null) {
				return "";
			}
			double value = this.perMinute;
			return String.format(Locale.ROOT, (value >= 10 || value == Math.rint(value)) ? "%.0f" : "%.1f", value);
		}

	}

	/** The modelled kernel the node is read as. */
	record Profile(String id, String title, String uname, String basis, String explanation, String distribution) {

		static Profile of(KernelMatch match) {
			return new Profile(match.profile().id(), match.profile().title(), match.uname(),
					match.basis().name().toLowerCase(Locale.ROOT), match.explanation(), match.distribution());
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
		return new DiagnosisView(VerdictView.of(diagnosis.verdict()), Profile.of(diagnosis.profile()),
				diagnosis.findings().stream().map(FindingView::of).toList(), diagnosis.unreadLines(),
				diagnosis.replayUrl(), diagnosis.read());
	}

}
