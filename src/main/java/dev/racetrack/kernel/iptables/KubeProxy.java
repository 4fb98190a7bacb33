package dev.racetrack.kernel.iptables;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;

/**
 * The iptables rules kube-proxy (iptables mode, v1.11 format) writes for one ClusterIP
 * service port (pkg/proxy/iptables/proxier.go): chain names are the first 16 base32
 * characters of a SHA-256 of the service port name and protocol
 * ({@code KUBE-SVC-TCOU7JCQXEZGVUNU} for {@code kube-system/kube-dns:dns} over UDP), and
 * endpoint {@code i} of {@code n} is picked with
 * {@code -m statistic --mode random --probability 1/(n-i)}, written with five decimals.
 */
public final class KubeProxy {

	/** {@code KUBE-MARK-MASQ}'s mark. */
	public static final int MASQ_MARK = 0x4000;

	private KubeProxy() {
	}

	/** {@code servicePortChainName}. */
	public static String serviceChain(String servicePortName, L4Proto proto) {
		return "KUBE-SVC-" + hash(servicePortName + proto.label());
	}

	/** {@code servicePortEndpointChainName}. */
	public static String endpointChain(String servicePortName, L4Proto proto, String endpoint) {
		return "KUBE-SEP-" + hash(servicePortName + proto.label() + endpoint);
	}

	/**
	 * Appends the rules of one service port: KUBE-SERVICES → KUBE-SVC → one KUBE-SEP per
	 * endpoint with its DNAT.
	 * @param nat the nat table
	 * @param servicePortName e.g. {@code kube-system/kube-dns:dns}
	 * @param proto the port's protocol
	 * @param clusterIp the ClusterIP
	 * @param port the service port
	 * @param endpoints the endpoint addresses (same port)
	 * @param clusterCidr the pod CIDR (traffic from outside it is marked for masquerade)
	 */
	public static void addService(Table nat, String servicePortName, L4Proto proto, int clusterIp, int port,
			List<Integer> endpoints, Cidr clusterCidr) {
		String svc = serviceChain(servicePortName, proto);
		String ipComment = servicePortName + " cluster IP";
		Cidr dst = new Cidr(clusterIp, 32);
		nat.newChain("KUBE-SERVICES").newChain(svc);
		nat.append("KUBE-SERVICES",
				Rule.of(new Target.Jump("KUBE-MARK-MASQ"), new Match.Source(clusterCidr, true),
						new Match.Destination(dst, false), new Match.Protocol(proto), new Match.Comment(ipComment),
						new Match.Port(proto, port)));
		nat.append("KUBE-SERVICES", Rule.of(new Target.Jump(svc), new Match.Destination(dst, false),
				new Match.Protocol(proto), new Match.Comment(ipComment), new Match.Port(proto, port)));
		int n = endpoints.size();
		List<String> seps = new ArrayList<>(n);
		for (int ip : endpoints) {
			seps.add(endpointChain(servicePortName, proto, Ipv4.format(ip) + ":" + port));
			nat.newChain(seps.get(seps.size() - 1));
		}
		for (int i = 0; i < n; i++) {
			Match comment = new Match.Comment(servicePortName);
			if (i < n - 1) {
				String probability = String.format(Locale.ROOT, "%.5f", 1.0 / (n - i));
				nat.append(svc, Rule.of(new Target.Jump(seps.get(i)), comment, Match.Statistic.of(probability)));
			}
			else {
				nat.append(svc, Rule.of(new Target.Jump(seps.get(i)), comment));
			}
		}
		for (int i = 0; i < n; i++) {
			int ip = endpoints.get(i);
			nat.append(seps.get(i), Rule.of(new Target.Jump("KUBE-MARK-MASQ"),
					new Match.Source(new Cidr(ip, 32), false), new Match.Comment(servicePortName)));
			nat.append(seps.get(i), Rule.of(new Target.Dnat(ip, port), new Match.Protocol(proto),
					new Match.Comment(servicePortName), Match.Port.any(proto)));
		}
	}

	/**
	 * The chains every kube-proxy node has: the service portals in PREROUTING and OUTPUT,
	 * KUBE-POSTROUTING masquerading marked traffic, and KUBE-MARK-MASQ.
	 * @param mode the flag of the MASQUERADE target ({@code --random-fully} since 1.16)
	 */
	public static void addBase(Table nat, SnatMode mode) {
		nat.newChain("KUBE-MARK-MASQ").newChain("KUBE-POSTROUTING").newChain("KUBE-SERVICES");
		nat.append("PREROUTING",
				Rule.of(new Target.Jump("KUBE-SERVICES"), new Match.Comment("kubernetes service portals")));
		nat.append("OUTPUT",
				Rule.of(new Target.Jump("KUBE-SERVICES"), new Match.Comment("kubernetes service portals")));
		nat.append("POSTROUTING",
				Rule.of(new Target.Jump("KUBE-POSTROUTING"), new Match.Comment("kubernetes postrouting rules")));
		nat.append("KUBE-MARK-MASQ", Rule.of(new Target.SetMark(MASQ_MARK, MASQ_MARK)));
		nat.append("KUBE-POSTROUTING",
				Rule.of(new Target.Masquerade(mode), new Match.Comment("kubernetes service traffic requiring SNAT"),
						new Match.Mark(MASQ_MARK, MASQ_MARK, false)));
	}

	private static String hash(String text) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
			return base32(digest).substring(0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every Java platform", ex);
		}
	}

	private static String base32(byte[] bytes) {
		String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
		StringBuilder sb = new StringBuilder();
		int buffer = 0;
		int bits = 0;
		for (byte b : bytes) {
			buffer = (buffer << 8) | (b & 0xff);
			bits += 8;
			while (bits >= 5) {
				sb.append(alphabet.charAt((buffer >>> (bits - 5)) & 31));
				bits -= 5;
			}
		}
		if (bits > 0) {
			sb.append(alphabet.charAt((buffer << (5 - bits)) & 31));
		}
		return sb.toString();
	}

}
