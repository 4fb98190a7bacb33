package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code kubectl describe endpointslice} (kubectl's
 * {@code describeEndpointSliceV1}, pkg/describe/describe.go): one block per
 * EndpointSlice, from its {@code Name:} line — {@code Namespace:}, {@code Labels:} (the
 * service's name in {@code kubernetes.io/service-name=kube-dns}) and
 * {@code Annotations:}, {@code AddressType:}, {@code Ports:} with a
 * {@code Name Port Protocol} table (or {@code Ports: <unset>}), then {@code Endpoints:}
 * (or {@code Endpoints: <none>}) and per endpoint {@code - Addresses:  10.42.0.61}
 * (addresses joined by {@code ", "}), {@code Conditions:}, {@code Ready:  true}
 * ({@code false}, or {@code <unset>}), {@code Hostname:},
 * {@code TargetRef:  Pod/coredns-…}, {@code NodeName:}, {@code Zone:}; then
 * {@code Events:}. A Ready left {@code <unset>} counts as ready, as kube-proxy counts it
 * (the API: "a nil value indicates an unknown state … consumers should interpret this
 * unknown state as ready").
 */
final class EndpointSliceDescriptions {

	/** {@code Namespace:  kube-system}: a field at the start of a line. */
	private static final Pattern FIELD = Pattern.compile("([A-Z][A-Za-z]{0,40}):(?:[ \\t]+(.{0,4000}))?[ \\t]*");

	/** A row of the ports: {@code dns  53  UDP}. */
	private static final Pattern PORT_ROW = Pattern
		.compile("(\\S{1,63})[ \\t]{1,40}(\\d{1,5}|<unset>)[ \\t]{1,40}(UDP|TCP|SCTP)");

	/** One endpoint's first line: {@code - Addresses:  10.42.0.61}. */
	private static final Pattern ENDPOINT = Pattern.compile("- Addresses:[ \\t]+(.{1,4000}?)[ \\t]*");

	/** The label that names the slice's service. */
	private static final Pattern SERVICE_LABEL = Pattern.compile("kubernetes\\.io/service-name=(\\S{1,253})");

	private static final int MAX_ENDPOINTS = 1000;

	private static final int MAX_PORTS = 100;

	private EndpointSliceDescriptions() {
	}

	/**
	 * The cluster DNS service's EndpointSlices the blocks describe
	 * ({@link NodeExtras#isDnsService}), as services with no ClusterIP; the others are
	 * read and left out.
	 */
	static List<NodeExtras.Service> read(List<Line> lines) {
		return DescribeBlocks.read(lines, FIELD, Block::new)
			.stream()
			.filter((b) -> NodeExtras.isDnsService(b.service(), b.namespace, b.ports()))
			.map(Block::asService)
			.toList();
	}

	/** The fields of one EndpointSlice's block. */
	private static final class Block implements DescribeBlocks.Block {

		private final String name;

		private final int line;

		private String namespace = "";

		private String serviceName = "";

		/** {@code {"dns", "53/UDP"}}. */
		private final List<String[]> ports = new ArrayList<>();

		/** Its endpoints, after {@code Endpoints:}; {@code null} before. */
		private List<Endpoint> endpoints;

		Block(String name, int line) {
			this.name = name;
			this.line = line;
		}

		@Override
		public void line(String key, String value, String text, int number) {
			Matcher label = SERVICE_LABEL.matcher(text);
			if (this.serviceName.isEmpty() && this.endpoints == null && label.find()) {
				this.serviceName = label.group(1);
			}
			Matcher endpoint = ENDPOINT.matcher(text);
			Matcher port = PORT_ROW.matcher(text);
			switch (key) {
				case "Namespace" -> this.namespace = value;
				case "Endpoints" -> this.endpoints = new ArrayList<>();
				case "Ready" -> {
					if (this.endpoints != null && !this.endpoints.isEmpty()) {
						this.endpoints.get(this.endpoints.size() - 1).ready = value;
					}
				}
				default -> {
					if (this.endpoints != null && endpoint.matches() && this.endpoints.size() < MAX_ENDPOINTS) {
						this.endpoints.add(new Endpoint(endpoint.group(1), number));
					}
					else if (this.endpoints == null && port.matches() && this.ports.size() < MAX_PORTS) {
						this.ports.add(new String[] { port.group(1), port.group(2) + "/" + port.group(3) });
					}
				}
			}
		}

		/**
		 * The service's name: the {@code kubernetes.io/service-name} label, else the
		 * slice's name without the suffix the controller adds ({@code kube-dns-6gjmr}).
		 */
		String service() {
			return this.serviceName.isEmpty() ? this.name.replaceFirst("-[a-z0-9]{5}$", "") : this.serviceName;
		}

		/** {@code 53/TCP,9153/TCP,53/UDP}, as {@code kubectl get svc} prints PORT(S). */
		String ports() {
			return String.join(",",
					this.ports.stream()
						.map((p) -> p[1])
						.collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new)));
		}

		NodeExtras.Service asService() {
			return new NodeExtras.Service(service(), "", ports(), this.line, this.namespace, "",
					PasteFormat.ENDPOINTSLICE_DESCRIBE.title(), endpoints(), 0);
		}

		/**
		 * Its ready addresses for the lookup port (an EndpointSlice's ports are every
		 * endpoint's): {@code Endpoints: <none>} is none; empty when the block was cut
		 * before {@code Endpoints:}.
		 */
		private Optional<NodeExtras.Described> endpoints() {
			if (this.endpoints == null) {
				return Optional.empty();
			}
			String port = this.ports.stream()
				.filter((p) -> p[1].equals("53/UDP"))
				.findFirst()
				.or(() -> this.ports.stream().filter((p) -> p[0].equals("dns")).findFirst())
				.map((p) -> (p[0].equals("<unset>") ? "" : p[0] + " ") + p[1])
				.orElse("");
			Set<String> ready = new LinkedHashSet<>();
			int first = this.line;
			for (Endpoint endpoint : this.endpoints) {
				if (!endpoint.ready.equals("false")) {
					for (String address : endpoint.addresses.split(",", 100)) {
						if (!address.strip().isEmpty() && !address.strip().equals("<none>")) {
							ready.add(address.strip());
						}
					}
				}
			}
			if (!this.endpoints.isEmpty()) {
				first = this.endpoints.get(0).line;
			}
			String shown = this.endpoints.isEmpty() ? "<none>" : String.join(",", ready);
			return Optional.of(new NodeExtras.Described(ready.size(), false, shown, port, first, null));
		}

	}

	/** One endpoint: its {@code - Addresses:} line and its {@code Ready:} condition. */
	private static final class Endpoint {

		private final String addresses;

		private final int line;

		private String ready = "<unset>";

		Endpoint(String addresses, int line) {
			this.addresses = addresses;
			this.line = line;
		}

	}

}
