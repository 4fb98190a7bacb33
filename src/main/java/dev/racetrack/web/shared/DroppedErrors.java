package dev.racetrack.web.shared;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

import io.netty.handler.timeout.ReadTimeoutException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Hooks;
import reactor.netty.channel.AbortedException;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Errors Reactor drops because nobody is subscribed any more ({@code onErrorDropped}):
 * most are a client's doing after its answer was decided, such as the body of a request
 * answered 408 whose read times out again, or a connection the client closed while its
 * body was read. Reactor's default logs each at ERROR with its stack trace ("Operator
 * called default onErrorDropped"), so one misbehaving client put an error in the log of a
 * healthy server. Those go to DEBUG here; anything else is still logged at ERROR.
 *
 * <p>
 * Reactor's hook is global to the JVM and cumulative, and its only undo resets every
 * consumer: so it is installed once however many application contexts a JVM holds (the
 * tests' cached contexts), and reset when the last of them closes, not when the first
 * does.
 */
@Component
class DroppedErrors implements DisposableBean {

	private static final Log logger = LogFactory.getLog(DroppedErrors.class);

	/** How many live contexts hold the hook. */
	private static int holders;

	DroppedErrors() {
		synchronized (DroppedErrors.class) {
			if (holders++ == 0) {
				Hooks.onErrorDropped(DroppedErrors::dropped);
			}
		}
	}

	static void dropped(Throwable error) {
		if (clientCaused(error)) {
			if (logger.isDebugEnabled()) {
				logger.debug("Dropped after the answer, caused by the client: " + error);
			}
			return;
		}
		logger.error("Operator called default onErrorDropped", error);
	}

	/**
	 * A read timeout, a request not whole in time, a closed or reset connection, an
	 * aborted exchange.
	 */
	static boolean clientCaused(Throwable error) {
		Throwable e = error;
		for (int depth = 0; e != null && depth < 8; depth++, e = e.getCause()) {
			if (e instanceof ReadTimeoutException || ConnectionLimits.requestTimedOut(e)
					|| e instanceof ClosedChannelException || e instanceof AbortedException) {
				return true;
			}
			if (e instanceof IOException io && io.getMessage() != null
					&& io.getMessage().contains("Connection reset by peer")) {
				return true;
			}
		}
		return false;
	}

	@Override
	public void destroy() {
		synchronized (DroppedErrors.class) {
			if (--holders == 0) {
				Hooks.resetOnErrorDropped();
			}
		}
	}

	/** How many live contexts hold the hook (for tests). */
	static synchronized int holders() {
		return holders;
	}

}
