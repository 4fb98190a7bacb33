package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code kubectl get endpointslice} (the command Kubernetes' "Debugging DNS
 * Resolution" page gives since {@code kubectl get endpoints} was deprecated in 1.33:
 * {@code kubectl get endpointslice -l kubernetes.io/service-name=kube-dns -n
 * kube-system}): {@code [NAMESPACE] NAME ADDRESSTYPE PORTS ENDPOINTS AGE}, one row per
 * EndpointSlice ({@code kube-dns-6gjmr   IPv4   9153,53,53   10.42.0.61   2d8h}).
 *
 * <p>
 * kubectl prints ENDPOINTS from every endpoint's addresses, ready or not
 * ({@code formatDiscoveryEndpoints}, pkg/printers/internalversion/printers.go: it reads
 * no condition), the first three and {@code + N more...}, or {@code <unset>} when the
 * slice has none; so a row bounds how many endpoints the service has (race 3 needs two),
 * and says none is ready only when it lists none. A service's slices are its rows whose
 * name is the service's and a five-character suffix (the controller's
 * {@code GenerateName}), or all the rows when the command selected one service with
 * {@code -l kubernetes.io/service-name=…}; an IPv4 and an IPv6 slice list the same
 * endpoints twice (dual stack), so the larger address type counts.
 */
final class EndpointSliceRows {

	/** The command's selector of one service's slices. */
	private static final Pattern SERVICE_LABEL = Pattern.compile("kubernetes\\.io/service-name=([a-z0-9.-]{1,253})");

	/** {@code -n kube-system}, {@code --namespace=kube-system}. */
	private static final Pattern NAMESPACE = Pattern.compile("(?:^|\\s)(?:-n|--namespace)[ =]([a-z0-9-]{1,63})");

	/** {@code 10.42.0.61,10.42.0.62,10.42.0.63 + 2 more...}. */
	private static final Pattern MORE = Pattern.compile("\\+ (\\d{1,9}) more\\.\\.\\.");

	private static final int MAX_ROWS = 1000;

	private EndpointSliceRows() {
	}

	/**
	 * The cluster DNS service's endpoints the rows list
	 * ({@link NodeExtras#isDnsService}), as a service with no ClusterIP whose
	 * {@link NodeExtras.Described} says how many addresses its slices list; other
	 * services' rows are read and left out.
	 * @param lines the rows, headers included
	 * @param commands the commands pasted
	 */
	static List<NodeExtras.Service> read(List<Line> lines, List<PastedCommand> commands) {
		Map<String, Slices> byService = new LinkedHashMap<>();
		boolean namespaced = false;
		String selected = "";
		String namespace = "";
		int rows = 0;
		for (Line line : lines) {
			String[] columns = line.text().strip().split("\\s+");
			if (columns[0].equals("NAME") || columns[0].equals("NAMESPACE")) {
				namespaced = columns[0].equals("NAMESPACE");
				String command = PasteReader.Sorted.commandAbove(commands, line.number(), (c) -> true)
					.map(PastedCommand::text)
					.orElse("");
				Matcher label = SERVICE_LABEL.matcher(command);
				selected = label.find() ? label.group(1) : "";
				Matcher ns = NAMESPACE.matcher(command);
				namespace = ns.find() ? ns.group(1) : "";
				continue;
			}
			int first = namespaced ? 1 : 0;
			// NAME ADDRESSTYPE PORTS ENDPOINTS… AGE: ENDPOINTS may hold "+ 2 more..."
			if (columns.length < first + 5 || ++rows > MAX_ROWS) {
				continue;
			}
			String name = columns[first];
			String service = selected.isEmpty() ? name.replaceFirst("-[a-z0-9]{5}$", "") : selected;
			String rowNamespace = namespaced ? columns[0] : namespace;
			String endpoints = String.join(" ", java.util.Arrays.copyOfRange(columns, first + 3, columns.length - 1));
			byService.computeIfAbsent(service, (s) -> new Slices(s, rowNamespace, line.number()))
				.add(columns[first + 1], columns[first + 2], endpoints, line.number());
		}
		List<NodeExtras.Service> services = new ArrayList<>();
		for (Slices slices : byService.values()) {
			if (NodeExtras.isDnsServiceName(slices.service) || (slices.service.contains("dns")
					&& !slices.service.equals("kube-dns-upstream") && slices.lookupPort
					&& (slices.namespace.equals("kube-system") || slices.namespace.equals("openshift-dns")))) {
				services.add(slices.asService());
			}
		}
		return services;
	}

	/** One service's rows. */
	private static final class Slices {

		final String service;

		final String namespace;

		final int line;

		/**
		 * Addresses listed, by address type ({@code IPv4}): those shown plus the N of
		 * {@code + N more...}, which kubectl counts exactly.
		 */
		final Map<String, Integer> addresses = new LinkedHashMap<>();

		final List<String> shown = new ArrayList<>();

		boolean lookupPort;

		Slices(String service, String namespace, int line) {
			this.service = service;
			this.namespace = namespace;
			this.line = line;
		}

		void add(String addressType, String ports, String endpoints, int number) {
			this.lookupPort |= java.util.Arrays.asList(ports.split(",")).contains("53");
			int count;
			if (endpoints.equals("<unset>")) {
				count = 0;
			}
			else {
				Matcher more = MORE.matcher(endpoints);
				String listed = endpoints.replaceFirst("\\s*\\+ \\d{1,9} more\\.\\.\\.$", "");
				count = listed.split(",").length + (more.find() ? Integer.parseInt(more.group(1)) : 0);
			}
			this.addresses.merge(addressType, count, Integer::sum);
			this.shown.add("line " + number + ": " + addressType + " " + endpoints);
		}

		NodeExtras.Service asService() {
			int count = this.addresses.values().stream().mapToInt(Integer::intValue).max().orElse(0);
			return new NodeExtras.Service(this.service, "", "", this.line, this.namespace, "",
					PasteFormat.ENDPOINTSLICES.title(),
					java.util.Optional
						.of(new NodeExtras.Described(count, false, String.join("; ", this.shown), "", this.line, null)),
					0);
		}

	}

}
