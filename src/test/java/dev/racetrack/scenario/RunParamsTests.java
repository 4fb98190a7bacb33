package dev.racetrack.scenario;

import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;

import static org.assertj.core.api.Assertions.assertThat;

class RunParamsTests {

	@Test
	void aBuilderSetsEachKnobByNameAndStartsFromTheCommonValues() {
		RunParams p = RunParams.builder("tcp-free-play").pods(32).rounds(10).build();
		assertThat(p.scenario()).isEqualTo("tcp-free-play");
		assertThat(p.kernel()).isEqualTo(KernelProfile.V4_17);
		assertThat(p.mode()).isEqualTo(SnatMode.DEFAULT);
		assertThat(p.resolver()).isEqualTo(ResolverKind.GLIBC);
		assertThat(p.mitigation()).isEqualTo(Mitigation.NONE);
		assertThat(p.pods()).isEqualTo(32);
		assertThat(p.rounds()).isEqualTo(10);
		assertThat(p.sourcePort()).isZero();
		assertThat(p.cpus()).isEqualTo(2);
		assertThat(p.seed()).isEqualTo(1);
		assertThat(p.ndots()).isEqualTo(5);
	}

	@Test
	void toBuilderKeepsEverythingItIsNotTold() {
		for (Scenario s : Scenarios.all()) {
			RunParams d = s.defaults();
			assertThat(d.toBuilder().build()).isEqualTo(d);
			RunParams changed = d.toBuilder().kernel(KernelProfile.V6_X).seed(7).build();
			assertThat(changed).isEqualTo(d.withKernel(KernelProfile.V6_X).withSeed(7));
			assertThat(changed.pods()).isEqualTo(d.pods());
		}
	}

}
