package dev.racetrack.web.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The offline replay's bundler: ES modules in dependency order, each in its own scope,
 * imports read from the modules before it, and anything it cannot carry refused by name.
 */
class ModuleBundleTests {

	@Test
	void modulesComeInDependencyOrderEachInItsOwnScope() {
		Map<String, String> files = Map.of("main.js", """
				import { twice } from './lib/math.js';
				import { label as name, SEP } from './text.js';
				const x = 1;
				export function run() { return name(twice(x)) + SEP; }
				run();
				""", "lib/math.js", """
				import { SEP } from '../text.js';
				const x = 2;
				export const twice = (n) => n * x;
				export async function later() { return SEP; }
				""", "text.js", """
				export const SEP = ';';
				export class Label {}
				export function label(n) { return `n=${n}`; }
				""");
		String bundle = ModuleBundle.bundle("main.js", files::get);
		assertThat(bundle.indexOf("// --- text.js")).isLessThan(bundle.indexOf("// --- lib/math.js"));
		assertThat(bundle.indexOf("// --- lib/math.js")).isLessThan(bundle.indexOf("// --- main.js"));
		assertThat(bundle).contains("const { twice } = modules[\"lib/math.js\"];")
			.contains("const { label: name, SEP } = modules[\"text.js\"];")
			.contains("const { SEP } = modules[\"text.js\"];")
			.contains("return { SEP, Label, label };")
			.contains("return { twice, later };")
			.contains("async function later()")
			.doesNotContainPattern("(?m)^\\s*(import|export)\\b");
		assertThat(bundle.split("// --- text.js", -1)).as("each module once").hasSize(2);
	}

	@Test
	void whatTheBundlerCannotCarryIsRefusedByName() {
		assertThatIllegalStateException()
			.isThrownBy(() -> ModuleBundle.bundle("a.js", Map.of("a.js", "export default 1;\n")::get))
			.withMessageContaining("a.js")
			.withMessageContaining("export default");
		assertThatIllegalStateException()
			.isThrownBy(() -> ModuleBundle.bundle("a.js", Map.of("a.js", "const a = 1;\nexport { a };\n")::get))
			.withMessageContaining("export { a }");
		assertThatIllegalStateException()
			.isThrownBy(() -> ModuleBundle.bundle("a.js", Map.of("a.js", "import * as b from './b.js';\n")::get))
			.withMessageContaining("only `import { … } from '…';`");
		assertThatIllegalStateException()
			.isThrownBy(() -> ModuleBundle.bundle("a.js", Map.of("a.js", "const m = await import('./b.js');\n")::get))
			.withMessageContaining("a.js");
		assertThatIllegalStateException()
			.isThrownBy(() -> ModuleBundle.bundle("a.js", Map.of("a.js", "import { x } from 'lib';\n")::get))
			.withMessageContaining("only relative imports");
		assertThatIllegalStateException()
			.isThrownBy(() -> ModuleBundle.bundle("a.js", Map.of("a.js", "import { x } from './b.js';\n")::get))
			.withMessageContaining("no module b.js");
		assertThatIllegalStateException()
			.isThrownBy(() -> ModuleBundle.bundle("a.js",
					Map.of("a.js", "import { b } from './b.js';\nexport const a = 1;\n", "b.js",
							"import { a } from './a.js';\nexport const b = 2;\n")::get))
			.withMessageContaining("cycle")
			.withMessageContaining("a.js → b.js → a.js");
		assertThat(ModuleBundle.resolve("render/panels.js", "../format.js")).isEqualTo("format.js");
		assertThat(ModuleBundle.resolve("render/node.js", "./scene.js")).isEqualTo("render/scene.js");
		assertThatIllegalStateException().isThrownBy(() -> ModuleBundle.resolve("a.js", "../../etc/passwd"));
	}

	@Test
	void theLabsOwnModulesBundle() {
		Path root = Path.of("frontend/js");
		String bundle = ModuleBundle.bundle("export/replay.js", (path) -> {
			Path file = root.resolve(path);
			try {
				return Files.exists(file) ? Files.readString(file) : null;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		});
		assertThat(bundle).contains("// --- lab/reducer.js", "// --- lab/sources.js", "// --- lab/catalogue.js",
				"// --- lab/render/node.js", "// --- lab/render/scene.js", "// --- lab/view.js",
				"// --- shared/format.js", "// --- export/replay.js");
		// The offline file plays a recorded run: nothing of the server's sessions goes
		// in.
		assertThat(bundle).doesNotContain("// --- session/");
		assertThat(bundle.indexOf("// --- lab/render/scene.js"))
			.isLessThan(bundle.indexOf("// --- lab/render/node.js"));
		assertThat(bundle.indexOf("// --- export/replay.js")).isGreaterThan(bundle.indexOf("// --- lab/view.js"));
		assertThat(bundle).doesNotContainPattern("(?m)^\\s*(import|export)\\s").doesNotContainIgnoringCase("</script");
	}

}
