package dev.racetrack.web.session;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Ends every session when the application stops, before the web server's graceful
 * shutdown waits for open requests: the session streams complete cleanly instead of
 * holding the shutdown until its timeout.
 */
@Component
class SessionShutdown implements SmartLifecycle {

	private final SessionStore sessions;

	private volatile boolean running;

	SessionShutdown(SessionStore sessions) {
		this.sessions = sessions;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.sessions.closeAll();
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE;
	}

}
