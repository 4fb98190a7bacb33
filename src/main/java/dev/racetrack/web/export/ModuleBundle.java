package dev.racetrack.web.export;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The browser's ES modules as one module script, for a page that must run from a file
 * (where a module cannot import another file). There is no build step: the bundle is made
 * from the modules the application serves, the first time it is asked for.
 *
 * <p>
 * Each module becomes a function scope, in dependency order: its imports are read from
 * the modules before it ({@code import { a, b as c } from './x.js'} becomes {@code const
 * { a, b: c } = modules["x.js"]}) and it returns its exports ({@code export function f}
 * becomes {@code function f}, returned by name). Only that subset of the module syntax is
 * accepted: anything else (default exports, export lists, namespace, side-effect or
 * dynamic imports, {@code import.meta}, cycles) is refused with the module's name (type
 * imports in JSDoc block comments, {@code import('./x.js').T}, are only comments), so
 * that a change to the frontend that this bundler cannot carry fails a test rather than
 * an offline replay in front of an audience.
 */
final class ModuleBundle {

	private static final Pattern IMPORT = Pattern.compile("^import\\s*\\{([^}]*)\\}\\s*from\\s*'([^']+)'\\s*;?[ \\t]*$",
			Pattern.MULTILINE);

	private static final Pattern ANY_IMPORT = Pattern.compile("^import\\b|\\bimport\\s*\\(|\\bimport\\.meta\\b",
			Pattern.MULTILINE);

	private static final Pattern BLOCK_COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);

	private static final Pattern EXPORT = Pattern.compile(
			"^export\\s+(?:async\\s+)?(?:function\\*?|class|const|let|var)\\s+([A-Za-z_$][\\w$]*)", Pattern.MULTILINE);

	private static final Pattern ANY_EXPORT = Pattern.compile("^export\\b", Pattern.MULTILINE);

	private static final Pattern NAME = Pattern.compile("[A-Za-z_$][\\w$]*");

	private ModuleBundle() {
	}

	/**
	 * One module script that runs {@code entry} and everything it imports.
	 * @param entry the entry module's path, e.g. {@code lab.js}
	 * @param source a module's text by its path (relative to the modules' root)
	 */
	static String bundle(String entry, Function<String, String> source) {
		Map<String, Module> ordered = new LinkedHashMap<>();
		visit(normalize(entry), source, ordered, new HashSet<>(), new ArrayList<>());
		StringBuilder out = new StringBuilder(
				"// Racetrack's browser modules, bundled for a page without a server (see ModuleBundle.java).\n");
		out.append("const modules = Object.create(null);\n");
		for (Module m : ordered.values()) {
			out.append("\n// --- ").append(m.path()).append('\n');
			out.append("modules[\"").append(m.path()).append("\"] = (() => {\n");
			out.append(m.body().strip()).append('\n');
			out.append("return { ").append(String.join(", ", m.exports())).append(" };\n");
			out.append("})();\n");
		}
		return out.toString();
	}

	private record Module(String path, String body, List<String> exports) {
	}

	private static void visit(String path, Function<String, String> source, Map<String, Module> done,
			Set<String> onStack, List<String> stack) {
		if (done.containsKey(path)) {
			return;
		}
		stack.add(path);
		if (!onStack.add(path)) {
			throw new IllegalStateException("module cycle: " + String.join(" → ", stack));
		}
		String text = source.apply(path);
		if (text == null) {
			throw new IllegalStateException("no module " + path + " (imported by " + stack + ")");
		}
		StringBuilder body = new StringBuilder();
		Matcher im = IMPORT.matcher(text);
		int last = 0;
		List<String> deps = new ArrayList<>();
		while (im.find()) {
			String dep = resolve(path, im.group(2));
			deps.add(dep);
			body.append(text, last, im.start());
			body.append("const { ")
				.append(bindings(path, im.group(1)))
				.append(" } = modules[\"")
				.append(dep)
				.append("\"];");
			last = im.end();
		}
		body.append(text.substring(last));
		String rest = body.toString();
		// Block comments may name types by import('…') (JSDoc, for the type check): only
		// code
		// counts.
		Matcher other = ANY_IMPORT.matcher(BLOCK_COMMENT.matcher(rest).replaceAll(" "));
		if (other.find()) {
			throw new IllegalStateException(path + ": only `import { … } from '…';` is supported here, not `"
					+ abbreviate(other.group()) + "`");
		}
		for (String dep : deps) {
			visit(dep, source, done, onStack, stack);
		}
		List<String> exports = new ArrayList<>();
		Matcher ex = EXPORT.matcher(rest);
		StringBuilder stripped = new StringBuilder();
		last = 0;
		while (ex.find()) {
			exports.add(ex.group(1));
			stripped.append(rest, last, ex.start()).append(ex.group().substring("export".length()).stripLeading());
			last = ex.end();
		}
		stripped.append(rest.substring(last));
		Matcher leftover = ANY_EXPORT.matcher(stripped);
		if (leftover.find()) {
			int end = stripped.indexOf("\n", leftover.start());
			throw new IllegalStateException(path
					+ ": only `export function|class|const|let name` is supported here, not `"
					+ abbreviate(stripped.substring(leftover.start(), (end < 0) ? stripped.length() : end)) + "`");
		}
		onStack.remove(path);
		stack.remove(stack.size() - 1);
		done.put(path, new Module(path, stripped.toString(), exports));
	}

	private static String bindings(String path, String list) {
		List<String> out = new ArrayList<>();
		for (String part : list.split(",")) {
			String p = part.trim();
			if (p.isEmpty()) {
				continue;
			}
			String[] as = p.split("\\s+as\\s+");
			for (String n : as) {
				if (!NAME.matcher(n).matches()) {
					throw new IllegalStateException(path + ": cannot read the import `" + abbreviate(p) + "`");
				}
			}
			out.add((as.length == 2) ? as[0] + ": " + as[1] : as[0]);
		}
		return String.join(", ", out);
	}

	/**
	 * A specifier relative to the importing module: {@code ../format.js} from
	 * {@code render/panels.js}.
	 */
	static String resolve(String from, String specifier) {
		if (!specifier.startsWith("./") && !specifier.startsWith("../")) {
			throw new IllegalStateException(from + ": only relative imports are supported, not '" + specifier + "'");
		}
		String resolved = URI.create("m:/" + from).resolve(specifier).getPath();
		if (resolved == null || resolved.contains("..") || !resolved.startsWith("/")) {
			throw new IllegalStateException(from + ": '" + specifier + "' leaves the modules' folder");
		}
		return normalize(resolved.substring(1));
	}

	private static String normalize(String path) {
		return path.startsWith("/") ? path.substring(1) : path;
	}

	private static String abbreviate(String s) {
		String one = s.replaceAll("\\s+", " ").trim();
		return (one.length() > 60) ? one.substring(0, 60) + "…" : one;
	}

}
