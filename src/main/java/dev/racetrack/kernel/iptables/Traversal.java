package dev.racetrack.kernel.iptables;

import java.util.List;

/**
 * The result of walking a built-in chain ({@code ipt_do_table}): the rules that matched,
 * in order, and the terminal target, if any.
 *
 * @param hits each matching rule as {@code -A ...} text, with its chain and 1-based
 * position
 * @param verdict the terminal target ({@link Target.Dnat}, {@link Target.Masquerade},
 * {@link Target.Notrack} or {@link Target.Accept}), or {@code null} when the policy
 * applied
 * @param mark the packet mark after the walk
 */
public record Traversal(List<Hit> hits, Target verdict, int mark) {

	public Traversal {
		hits = List.copyOf(hits);
	}

	/**
	 * One rule that matched.
	 *
	 * @param chain the chain
	 * @param position 1-based position in the chain
	 * @param text the rule as {@code iptables -S} prints it
	 */
	public record Hit(String chain, int position, String text) {
	}

}
