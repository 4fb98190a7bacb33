package dev.racetrack.web.diagnose;

import java.math.BigInteger;

import dev.racetrack.web.shared.BadParameterException;

/**
 * The JSON body of {@code POST /api/diagnose}. {@code intervalSeconds} may be a number or
 * a string of digits; anything else is reported as a bad {@code intervalSeconds}.
 */
record DiagnoseRequest(String conntrackStats, String iptables, String uname, String resolvConf,
		String conntrackStatsLater, Object intervalSeconds, String paste) {

	DiagnoseForm toForm() {
		return new DiagnoseForm(this.conntrackStats, this.iptables, this.uname, this.resolvConf,
				this.conntrackStatsLater, interval(), this.paste);
	}

	private String interval() {
		if (this.intervalSeconds == null) {
			return null;
		}
		if (this.intervalSeconds instanceof Integer || this.intervalSeconds instanceof Long
				|| this.intervalSeconds instanceof BigInteger || this.intervalSeconds instanceof String) {
			return this.intervalSeconds.toString();
		}
		throw BadParameterException.notInRange("intervalSeconds", String.valueOf(this.intervalSeconds), 1, 86_400);
	}

}
