package dev.racetrack.diagnose;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ResolvConfParser}.
 */
class ResolvConfParserTests {

	@Test
	void parseWhenKubeletWroteItDetectsThePatternAndNamespace() {
		ResolverConfig resolver = ResolvConfParser.parse(Fixtures.read("resolv-kubelet.conf"));
		assertThat(resolver.problems()).isEmpty();
		assertThat(resolver.present()).isTrue();
		assertThat(resolver.ndots()).isEqualTo(5);
		assertThat(resolver.nameservers()).containsExactly("10.96.0.10");
		assertThat(resolver.search()).hasSize(4);
		assertThat(resolver.isKubelet()).isTrue();
		assertThat(resolver.kubeletNamespace()).contains("shop");
		assertThat(resolver.namesTriedForShortName()).isEqualTo(5);
		assertThat(resolver.glibcParallel()).isTrue();
		assertThat(resolver.labResolver()).isEqualTo("glibc");
	}

	@Test
	void parseWhenHostFileCapsNumbersAndLetsTheLastSearchWin() {
		ResolverConfig resolver = ResolvConfParser.parse(Fixtures.read("resolv-host.conf"));
		assertThat(resolver.problems()).isEmpty();
		assertThat(resolver.search()).containsExactly("corp.example", "lab.example");
		assertThat(resolver.timeoutSeconds()).isEqualTo(30);
		assertThat(resolver.attempts()).isEqualTo(5);
		assertThat(resolver.options()).contains("rotate", "single-request-reopen", "edns0");
		assertThat(resolver.glibcParallel()).isFalse();
		assertThat(resolver.labResolver()).isEqualTo("glibc-single-request-reopen");
		assertThat(resolver.isKubelet()).isFalse();
	}

	@Test
	void parseWhenDomainComesLastItReplacesTheSearchList() {
		ResolverConfig resolver = ResolvConfParser.parse("search a.example b.example\ndomain c.example\n");
		assertThat(resolver.search()).containsExactly("c.example");
	}

	@Test
	void labResolverPrefersUseVcThenReopenThenSingleRequest() {
		assertThat(ResolvConfParser.parse("options single-request use-vc").labResolver()).isEqualTo("glibc-use-vc");
		assertThat(ResolvConfParser.parse("options single-request").labResolver()).isEqualTo("glibc-single-request");
		assertThat(ResolvConfParser.parse("options no-aaaa").glibcParallel()).isFalse();
	}

	@Test
	void parseWhenUnknownKeywordsAndOptionsReportsTheirLines() {
		ResolverConfig resolver = ResolvConfParser
			.parse("nameserver 10.0.0.2\nserver 10.0.0.3\noptions ndots:x fast\nnameserver\n");
		assertThat(resolver.nameservers()).containsExactly("10.0.0.2");
		assertThat(resolver.problems()).extracting(LineProblem::line).containsExactly(2, 3, 4);
		assertThat(resolver.problems().get(1).reason()).contains("'ndots:x'").contains("'fast'");
	}

	@Test
	void parseWhenNodeLocalDnsCacheIsTheNameserverSaysSo() {
		assertThat(ResolvConfParser.parse("nameserver 169.254.20.10").usesNodeLocalDns()).isTrue();
		// kubespray's default (nodelocaldns_ip)
		assertThat(ResolvConfParser.parse("nameserver 169.254.25.10").usesNodeLocalDns()).isTrue();
		assertThat(ResolvConfParser.parse("nameserver 169.254.30.10").usesNodeLocalDns()).isFalse();
	}

}
