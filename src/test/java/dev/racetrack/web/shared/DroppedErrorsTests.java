package dev.racetrack.web.shared;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

class DroppedErrorsTests {

	@Test
	void whatAClientCausesIsToldFromAServersError() {
		assertThat(DroppedErrors.clientCaused(ReadTimeoutException.INSTANCE)).isTrue();
		assertThat(DroppedErrors.clientCaused(new RuntimeException(ReadTimeoutException.INSTANCE))).isTrue();
		assertThat(DroppedErrors.clientCaused(new ClosedChannelException())).isTrue();
		assertThat(DroppedErrors.clientCaused(requestTimeout())).isTrue();
		assertThat(DroppedErrors.clientCaused(new io.netty.channel.ChannelException("ours"))).isFalse();
		assertThat(DroppedErrors.clientCaused(new IOException("recvAddress(..) failed: Connection reset by peer")))
			.isTrue();
		assertThat(DroppedErrors.clientCaused(new IllegalStateException("a bug of ours"))).isFalse();
		assertThat(DroppedErrors.clientCaused(new IOException("No space left on device"))).isFalse();
	}

	/**
	 * Two application contexts in one JVM (the tests' context cache does this): closing
	 * one must leave the other's hook in place. Reactor's only undo resets every
	 * consumer, so before, the first close sent a client's read timeout back to Reactor's
	 * default, an ERROR with its stack trace.
	 */
	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void closingOneContextLeavesTheHookOfAnother(CapturedOutput output) {
		int before = DroppedErrors.holders();
		DroppedErrors first = new DroppedErrors();
		DroppedErrors second = new DroppedErrors();
		assertThat(DroppedErrors.holders()).isEqualTo(before + 2);
		first.destroy();
		Operators.onErrorDropped(ReadTimeoutException.INSTANCE, Context.empty());
		assertThat(output).doesNotContain("onErrorDropped");
		Operators.onErrorDropped(new IllegalStateException("a bug of ours"), Context.empty());
		assertThat(output).contains("Operator called default onErrorDropped").contains("a bug of ours");
		second.destroy();
		assertThat(DroppedErrors.holders()).isEqualTo(before);
	}

	/** reactor-netty's own, whose type is not public. */
	static Throwable requestTimeout() {
		try {
			java.lang.reflect.Method m = Class.forName("reactor.netty.http.server.RequestTimeoutException")
				.getDeclaredMethod("requestTimedOut");
			m.setAccessible(true);
			return (Throwable) m.invoke(null);
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("reactor-netty's RequestTimeoutException is gone or renamed", ex);
		}
	}

}
