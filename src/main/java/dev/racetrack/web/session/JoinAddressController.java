package dev.racetrack.web.session;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.racetrack.web.shared.BadParameterException;

/**
 * The address on the join card: students cannot reach {@code localhost}. When the
 * presenter's page was opened on this machine's loopback address, the card shows the
 * machine's LAN address instead (an up, non-loopback IPv4 interface that is not a
 * container bridge), with the page's port; when the machine has none, it says so. Any
 * other origin is the one students use already.
 */
@RestController
class JoinAddressController {

	/** Interfaces that a room cannot reach: container bridges and their veths. */
	private static final List<String> BRIDGES = List.of("docker", "br-", "veth", "cni", "flannel", "virbr", "cali",
			"weave", "kube", "tun", "tap", "lo");

	private final Supplier<List<Candidate>> interfaces;

	JoinAddressController() {
		this(JoinAddressController::lanAddresses);
	}

	JoinAddressController(Supplier<List<Candidate>> interfaces) {
		this.interfaces = interfaces;
	}

	/** An interface's IPv4 address. */
	record Candidate(String iface, String address, boolean siteLocal) {
	}

	/**
	 * @param origin the reachable origin ({@code http://192.168.1.23:8080}), the page's
	 * own when it is not on loopback
	 * @param lan whether it is a LAN address found for a loopback page
	 * @param warning what the presenter must do, when students cannot reach the page
	 */
	record JoinAddress(String origin, boolean lan, String warning) {
	}

	@GetMapping("/api/join-address")
	JoinAddress joinAddress(@RequestParam(name = "origin") String origin) {
		URI uri;
		try {
			uri = (origin.length() <= 200) ? URI.create(origin) : null;
		}
		catch (IllegalArgumentException ex) {
			uri = null;
		}
		if (uri == null || uri.getHost() == null || uri.getScheme() == null
				|| !List.of("http", "https").contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
			throw new BadParameterException("origin",
					"'" + BadParameterException.abbreviate(origin)
							+ "' is not a page origin; give the page's origin, e.g. http://localhost:8080.",
					"an http or https origin of at most 200 characters");
		}
		String host = uri.getHost();
		if (!isLoopback(host)) {
			return new JoinAddress(uri.getScheme() + "://" + uri.getRawAuthority(), false, null);
		}
		String port = (uri.getPort() > 0) ? ":" + uri.getPort() : "";
		List<Candidate> found = this.interfaces.get();
		if (found.isEmpty()) {
			return new JoinAddress(uri.getScheme() + "://" + uri.getRawAuthority(), false,
					"This page was opened on " + host + ", which only this computer can reach, and this computer has "
							+ "no network address students could use. Connect it to the room's network, then open the "
							+ "Lab with its address instead of " + host + ".");
		}
		Candidate best = found.get(0);
		return new JoinAddress(uri.getScheme() + "://" + best.address() + port, true,
				(found.size() > 1)
						? "This page was opened on " + host + "; students use this computer's address on "
								+ best.iface() + ". If they cannot reach it, this computer has other networks too: "
								+ String.join(", ", found.stream().skip(1).map(Candidate::address).toList()) + "."
						: null);
	}

	static boolean isLoopback(String host) {
		String h = host.toLowerCase(Locale.ROOT);
		return h.equals("localhost") || h.endsWith(".localhost") || h.startsWith("127.") || h.equals("[::1]")
				|| h.equals("::1") || h.equals("0.0.0.0");
	}

	/**
	 * This machine's IPv4 addresses a room may reach, the private (site-local) ones
	 * first.
	 */
	static List<Candidate> lanAddresses() {
		List<Candidate> out = new ArrayList<>();
		try {
			for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
				String name = nic.getName().toLowerCase(Locale.ROOT);
				if (!nic.isUp() || nic.isLoopback() || nic.isVirtual() || BRIDGES.stream().anyMatch(name::startsWith)) {
					continue;
				}
				for (InetAddress a : Collections.list(nic.getInetAddresses())) {
					if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
						out.add(new Candidate(nic.getName(), a.getHostAddress(), a.isSiteLocalAddress()));
					}
				}
			}
		}
		catch (SocketException ex) {
			return List.of();
		}
		out.sort(Comparator.comparing((Candidate c) -> !c.siteLocal()).thenComparing(Candidate::iface));
		return out;
	}

}
