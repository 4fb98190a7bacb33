package dev.racetrack.web.shared;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;

import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;

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

}
