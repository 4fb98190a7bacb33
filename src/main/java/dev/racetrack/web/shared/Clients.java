package dev.racetrack.web.shared;

import java.net.InetSocketAddress;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Who a request comes from, for the per-client limits: its remote address (behind a
 * proxy, the forwarded one when {@code server.forward-headers-strategy} is set). A whole
 * hall behind one NAT address is one client: the per-client limits are sized for that.
 */
public final class Clients {

	private Clients() {
	}

	public static String of(ServerHttpRequest request) {
		InetSocketAddress remote = request.getRemoteAddress();
		if (remote == null) {
			return "unknown";
		}
		return (remote.getAddress() != null) ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

}
