package dev.racetrack.sim;

import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.iptables.Match;
import dev.racetrack.kernel.iptables.Rule;
import dev.racetrack.kernel.iptables.Table;
import dev.racetrack.kernel.iptables.Target;
import dev.racetrack.kernel.nat.SnatMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The node's rule tables are built once per mode, mitigation and topology and shared by
 * runs, frozen, so no run can change another's rules.
 */
class NodeRulesTests {

	@Test
	void runsWithTheSameKnobsShareOneFrozenPairAndOthersDoNot() {
		NodeConfig a = NodeConfig.of(KernelProfile.V4_17, SnatMode.DEFAULT, 2, 2, Mitigation.NONE);
		Table[] first = NodeRules.tables(a, Topology.standard(2));
		Table[] again = NodeRules.tables(a.withClientPathJitter(true), Topology.standard(2));
		assertThat(again[0]).isSameAs(first[0]);
		assertThat(again[1]).isSameAs(first[1]);
		assertThat(first[0].frozen()).isTrue();
		assertThat(first[1].frozen()).isTrue();
		NodeConfig fully = NodeConfig.of(KernelProfile.V4_17, SnatMode.RANDOM_FULLY, 2, 2, Mitigation.NONE);
		assertThat(NodeRules.tables(fully, Topology.standard(2))[0]).isNotSameAs(first[0]);
		assertThat(NodeRules.tables(a, Topology.standard(3))[0]).isNotSameAs(first[0]);
	}

	@Test
	void aSharedTableIsTheOneBuiltFreshAndRefusesWrites() {
		NodeConfig config = NodeConfig.of(KernelProfile.V5_6, SnatMode.RANDOM, 2, 3, Mitigation.NODELOCAL_DNS);
		Table[] shared = NodeRules.tables(config, Topology.standard(3));
		assertThat(shared[0].save()).isEqualTo(NodeRules.nat(config, Topology.standard(3)).save());
		assertThat(shared[1].save()).isEqualTo(NodeRules.raw(config, Topology.standard(3)).save());
		Rule rule = Rule.of(new Target.Return(), new Match.Comment("late"));
		assertThatIllegalStateException().isThrownBy(() -> shared[0].append("POSTROUTING", rule))
			.withMessageContaining("frozen");
		assertThatIllegalStateException().isThrownBy(() -> shared[1].newChain("LATE"));
	}

}
