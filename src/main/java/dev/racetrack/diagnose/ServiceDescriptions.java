package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code kubectl describe svc} (kubectl's {@code describeService}): one block per
 * service, from its {@code Name:} line — {@code Namespace:}, {@code Labels:} and
 * {@code Annotations:} (their further lines indented), {@code Selector:}, {@code Type:},
 * {@code IP Family Policy:}, {@code IP Families:}, {@code IP:}, {@code IPs:}, then per
 * port {@code Port: <name> <port>/<proto>}, {@code TargetPort:}, {@code NodePort:} and
 * {@code Endpoints:}, then {@code Session Affinity:} and {@code Events:} ({@code No
 * events.} before 1.6). Older kubectl prints fewer of these fields; each is read when
 * present.
 *
 * <p>
 * {@code Endpoints:} lists the port's ready endpoints, {@code ip:port} comma-separated,
 * at most three then {@code + N more...} ({@code formatEndpointSlices}, before 1.31
 * {@code formatEndpoints}); {@code <none>} when the service has no endpoint object or
 * slice at all (it selects no pod with an address), nothing when it has some but none is
 * ready for that port. So unlike {@code kubectl get endpoints}, a cut list still gives
 * the count: three listed plus N.
 */
final class ServiceDescriptions {

	/** {@code Selector:  k8s-app=kube-dns}: a field at the start of a line. */
	private static final Pattern FIELD = Pattern.compile("([A-Z][A-Za-z ]{0,40}):(?:[ \\t]+(.{0,2000}))?[ \\t]*");

	/** {@code 10.2.68.3:53,10.2.68.4:53 + 2 more...}. */
	private static final Pattern MORE = Pattern.compile("(.{0,2000}?) \\+ (\\d{1,9}) more\\.\\.\\.");

	private ServiceDescriptions() {
	}

	/**
	 * The cluster DNS services the blocks describe ({@link NodeExtras#isDnsService}); the
	 * others are read and left out.
	 */
	static List<NodeExtras.Service> read(List<Line> lines) {
		return DescribeBlocks.read(lines, FIELD, Block::new)
			.stream()
			.filter((b) -> NodeExtras.isDnsService(b.name, b.namespace, b.ports()))
			.map(Block::service)
			.toList();
	}

	/** The fields of one service's block. */
	private static final class Block implements DescribeBlocks.Block {

		private final String name;

		private final int line;

		private String namespace = "";

		private String selector = "";

		/** The {@code Selector:} line, 0 before it. */
		private int selectorLine;

		private String ip = "";

		private String ips = "";

		private final List<Port> ports = new ArrayList<>();

		Block(String name, int line) {
			this.name = name;
			this.line = line;
		}

		@Override
		public void line(String key, String value, String text, int number) {
			switch (key) {
				case "Namespace" -> this.namespace = value;
				case "Selector" -> {
					this.selector = NodeExtras.isLabels(value) ? value : "";
					this.selectorLine = this.selector.isEmpty() ? 0 : number;
				}
				case "IP" -> this.ip = value;
				case "IPs" -> this.ips = value;
				case "Port" -> {
					Matcher port = PasteReader.DESCRIBE_PORT.matcher("Port: " + value);
					if (port.matches() && this.ports.size() < 64) {
						this.ports.add(new Port((port.group(1) != null) ? port.group(1) : "",
								port.group(2) + "/" + port.group(3)));
					}
				}
				case "Endpoints" -> {
					if (!this.ports.isEmpty() && this.ports.get(this.ports.size() - 1).endpoints == null) {
						this.ports.get(this.ports.size() - 1).endpoints = new Shown(value, number);
					}
				}
				default -> {
				}
			}
		}

		/** {@code 53/UDP,53/TCP,9153/TCP}, as {@code kubectl get svc} prints PORT(S). */
		String ports() {
			return String.join(",", this.ports.stream().map((p) -> p.port).toList());
		}

		NodeExtras.Service service() {
			String clusterIp = !this.ip.isEmpty() ? this.ip : this.ips.split(",")[0];
			return new NodeExtras.Service(this.name, clusterIp, ports(), this.line, this.namespace, this.selector,
					PasteFormat.SERVICE_DESCRIBE.title(), endpoints(), this.selectorLine);
		}

		/**
		 * The endpoints of the lookup port: 53/UDP, else the port named {@code dns}, else
		 * the first port whose {@code Endpoints:} line was pasted.
		 */
		private java.util.Optional<NodeExtras.Described> endpoints() {
			List<Port> shown = this.ports.stream().filter((p) -> p.endpoints != null).toList();
			java.util.Optional<Port> lookup = shown.stream()
				.filter((p) -> p.port.equals("53/UDP"))
				.findFirst()
				.or(() -> shown.stream().filter((p) -> p.name.equals("dns")).findFirst())
				.or(() -> shown.stream().findFirst());
			return lookup.map(Port::described);
		}

	}

	/** A {@code Port:} line and the {@code Endpoints:} line after it. */
	private static final class Port {

		private final String name;

		private final String port;

		private Shown endpoints;

		Port(String name, String port) {
			this.name = name;
			this.port = port;
		}

		NodeExtras.Described described() {
			String value = this.endpoints.value();
			String list = value;
			int more = 0;
			Matcher cut = MORE.matcher(value);
			if (cut.matches()) {
				list = cut.group(1);
				more = Integer.parseInt(cut.group(2));
			}
			Set<String> addresses = new LinkedHashSet<>();
			if (!value.equals("<none>")) {
				for (String endpoint : list.split(",", 1000)) {
					String address = endpoint.strip();
					int colon = address.lastIndexOf(':');
					if (colon > 0) {
						address = address.substring(0, colon);
					}
					address = address.replace("[", "").replace("]", "");
					if (!address.isEmpty()) {
						addresses.add(address);
					}
				}
			}
			String port = (this.name.isEmpty() ? "" : this.name + " ") + this.port;
			return new NodeExtras.Described(addresses.size() + more, more > 0, value, port, this.endpoints.line(),
					null);
		}

	}

	/** An {@code Endpoints:} value and its line. */
	private record Shown(String value, int line) {
	}

}
