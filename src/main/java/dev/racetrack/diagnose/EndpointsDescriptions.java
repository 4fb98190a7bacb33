package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code kubectl describe endpoints} (kubectl's {@code describeEndpoints}): one
 * block per Endpoints object, from its {@code Name:} line — {@code Namespace:},
 * {@code Labels:} and {@code Annotations:} (their further lines indented),
 * {@code Subsets:}, then per subset, indented, {@code Addresses:} (the ready addresses,
 * comma-separated IPs, or {@code <none>}), {@code NotReadyAddresses:} (likewise) and
 * {@code Ports:} with a {@code Name Port Protocol} table, each subset ended by a blank
 * line; then {@code Events:}. An object with no subset prints {@code Subsets:} right
 * before {@code Events:}: no pod it selects has an address.
 */
final class EndpointsDescriptions {

	/** {@code Namespace:  kube-system}: a field at the start of a line. */
	private static final Pattern FIELD = Pattern.compile("([A-Z][A-Za-z]{0,40}):(?:[ \\t]+(.{0,4000}))?[ \\t]*");

	/** A row of a subset's ports: {@code dns  53  UDP}. */
	private static final Pattern PORT_ROW = Pattern
		.compile("(\\S{1,63})[ \\t]{1,40}(\\d{1,5})[ \\t]{1,40}(UDP|TCP|SCTP)");

	private static final int MAX_SUBSETS = 64;

	private static final int MAX_PORTS = 64;

	private EndpointsDescriptions() {
	}

	/**
	 * The cluster DNS service's Endpoints objects the blocks describe
	 * ({@link NodeExtras#isDnsService}), as services with no ClusterIP; the others are
	 * read and left out.
	 */
	static List<NodeExtras.Service> read(List<Line> lines) {
		return DescribeBlocks.read(lines, FIELD, Block::new)
			.stream()
			.filter((b) -> NodeExtras.isDnsService(b.name, b.namespace, b.ports()))
			.map(Block::service)
			.toList();
	}

	/** The fields of one Endpoints object's block. */
	private static final class Block implements DescribeBlocks.Block {

		private final String name;

		private final int line;

		private String namespace = "";

		/** Its subsets, after {@code Subsets:}; {@code null} before. */
		private List<Subset> subsets;

		/**
		 * Whether {@code Events:} followed {@code Subsets:}: the subsets are all here.
		 */
		private boolean ended;

		Block(String name, int line) {
			this.name = name;
			this.line = line;
		}

		@Override
		public void line(String key, String value, String text, int number) {
			switch (key) {
				case "Namespace" -> this.namespace = value;
				case "Subsets" -> this.subsets = (this.subsets != null) ? this.subsets : new ArrayList<>();
				case "Events" -> this.ended = this.subsets != null;
				default -> {
					if (this.subsets != null) {
						subsetLine(key, value, text, number);
					}
				}
			}
		}

		private void subsetLine(String key, String value, String text, int number) {
			if (key.equals("Addresses") && this.subsets.size() < MAX_SUBSETS) {
				this.subsets.add(new Subset(value, number));
				return;
			}
			if (this.subsets.isEmpty()) {
				return;
			}
			Subset subset = this.subsets.get(this.subsets.size() - 1);
			Matcher row = PORT_ROW.matcher(text);
			if (key.equals("NotReadyAddresses")) {
				subset.notReady = value;
			}
			else if (row.matches() && subset.ports.size() < MAX_PORTS) {
				subset.ports.add(new String[] { row.group(1), row.group(2) + "/" + row.group(3) });
			}
		}

		/** {@code 53/TCP,9153/TCP,53/UDP}, as {@code kubectl get svc} prints PORT(S). */
		String ports() {
			if (this.subsets == null) {
				return "";
			}
			return String.join(",",
					this.subsets.stream()
						.flatMap((s) -> s.ports.stream().map((p) -> p[1]))
						.collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new)));
		}

		NodeExtras.Service service() {
			return new NodeExtras.Service(this.name, "", ports(), this.line, this.namespace, "",
					PasteFormat.ENDPOINTS_DESCRIBE.title(), endpoints(), 0);
		}

		/**
		 * The ready and not-ready addresses of the subsets with the lookup port (53/UDP,
		 * else a port named {@code dns}; all subsets when neither is shown); none when no
		 * subset was printed before {@code Events:}; empty when the block was cut before
		 * it says.
		 */
		private Optional<NodeExtras.Described> endpoints() {
			if (this.subsets == null || (this.subsets.isEmpty() && !this.ended)) {
				return Optional.empty();
			}
			if (this.subsets.isEmpty()) {
				return Optional.of(new NodeExtras.Described(0, false, "", "", this.line, ""));
			}
			String[] lookup = this.subsets.stream()
				.flatMap((s) -> s.ports.stream())
				.filter((p) -> p[1].equals("53/UDP"))
				.findFirst()
				.or(() -> this.subsets.stream()
					.flatMap((s) -> s.ports.stream())
					.filter((p) -> p[0].equals("dns"))
					.findFirst())
				.orElse(null);
			List<Subset> serving = (lookup == null) ? this.subsets
					: this.subsets.stream()
						.filter((s) -> s.ports.stream().anyMatch((p) -> p[1].equals(lookup[1])))
						.toList();
			Set<String> ready = new LinkedHashSet<>();
			Set<String> notReady = new LinkedHashSet<>();
			for (Subset subset : serving) {
				ready.addAll(addresses(subset.addresses));
				notReady.addAll(addresses(subset.notReady));
			}
			String port = (lookup == null) ? "" : (lookup[0].equals("<unset>") ? "" : lookup[0] + " ") + lookup[1];
			String shown = String.join("; ", serving.stream().map((s) -> s.addresses).toList());
			String notReadyShown = notReady.isEmpty() ? "<none>" : String.join(",", notReady);
			return Optional
				.of(new NodeExtras.Described(ready.size(), false, shown, port, serving.get(0).line, notReadyShown));
		}

		private static Set<String> addresses(String value) {
			Set<String> addresses = new LinkedHashSet<>();
			if (!value.equals("<none>")) {
				for (String address : value.split(",", 1000)) {
					if (!address.strip().isEmpty()) {
						addresses.add(address.strip());
					}
				}
			}
			return addresses;
		}

	}

	/** A subset: its {@code Addresses:} line, its not-ready addresses, its ports. */
	private static final class Subset {

		private final String addresses;

		private final int line;

		private String notReady = "<none>";

		/** {@code {"dns", "53/UDP"}}. */
		private final List<String[]> ports = new ArrayList<>();

		Subset(String addresses, int line) {
			this.addresses = addresses;
			this.line = line;
		}

	}

}
