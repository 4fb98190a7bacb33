package dev.racetrack.web.diagnose;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;

import dev.racetrack.diagnose.NodeSample;

/**
 * Example pastes for the {@code /diagnose} page, read once from
 * {@code classpath:diagnose/examples/<name>/<field>.txt}. {@code capture-2018} is a real
 * capture, Azure/acs-engine#3546's ({@code tcpdump -vvv} in a pod: the A query lost, its
 * AAAA answered, the A sent again 5 s later), as the corpus keeps it but for the cut line
 * its stored copy ends with, and with its Markdown fence closed.
 */
@Component
class DiagnoseExamples {

	/** An example: its name in URLs, its button label, and its texts. */
	record Example(String name, String label, DiagnoseForm form) {
	}

	private static final Map<String, String> LABELS = new LinkedHashMap<>();

	static {
		LABELS.put("pasted-5-4", "One paste: a 5.4 node, two samples a minute apart");
		LABELS.put("docker-2018", "Docker host, 2018 (4.15, drops now)");
		LABELS.put("aks-5-4", "Kubernetes node on 5.4, two CoreDNS pods");
		LABELS.put("current-6-8", "Current node on 6.8");
		LABELS.put("capture-2018", "A pod's tcpdump: a DNS query lost, 2018");
	}

	private final Map<String, Example> examples = new LinkedHashMap<>();

	DiagnoseExamples() {
		LABELS.forEach((name, label) -> this.examples.put(name, new Example(name, label, load(name))));
	}

	List<Example> all() {
		return List.copyOf(this.examples.values());
	}

	Optional<Example> find(String name) {
		return Optional.ofNullable(this.examples.get(name));
	}

	List<String> names() {
		return List.copyOf(this.examples.keySet());
	}

	private static DiagnoseForm load(String name) {
		return new DiagnoseForm(read(name, NodeSample.CONNTRACK_STATS), read(name, NodeSample.IPTABLES),
				read(name, NodeSample.UNAME), read(name, NodeSample.RESOLV_CONF),
				read(name, NodeSample.CONNTRACK_STATS_LATER), read(name, NodeSample.INTERVAL_SECONDS).strip(),
				read(name, NodeSample.PASTE));
	}

	private static String read(String name, String field) {
		ClassPathResource resource = new ClassPathResource("diagnose/examples/" + name + "/" + field + ".txt");
		if (!resource.exists()) {
			return "";
		}
		try (InputStream in = resource.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
