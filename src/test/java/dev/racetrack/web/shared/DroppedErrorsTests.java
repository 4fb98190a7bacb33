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

}
