package dev.racetrack.kernel.iptables;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ipt_do_table} for one hook of one table: walks the built-in chain and its jumps,
 * stops at the first terminal target, and falls back to the chain policy (ACCEPT). Jumps
 * are bounded ({@code XT_MAX_CHAIN}-like) so that a loop of chains cannot hang the model.
 */
public final class IptablesEvaluator {

	/** A bound on chain depth, like the kernel's jump stack. */
	static final int MAX_DEPTH = 64;

	private IptablesEvaluator() {
	}

	public static Traversal walk(Table table, String builtin, MatchContext context) {
		if (!table.builtin(builtin)) {
			throw new IllegalArgumentException(builtin + " is not a built-in chain of " + table.name());
		}
		List<Traversal.Hit> hits = new ArrayList<>();
		// The jump stack (the chain to return to and the rule after the jump), made on
		// the first jump: most walks of a packet that is not the first of its connection
		// never jump.
		String[] chainStack = null;
		int[] returnStack = null;
		int depth = 0;
		String chain = builtin;
		int index = 0;
		MatchContext ctx = context;
		while (true) {
			List<Rule> rules = table.chainRules(chain);
			if (rules == null || index >= rules.size()) {
				if (depth == 0) {
					return new Traversal(hits, null, ctx.mark());
				}
				depth--;
				chain = chainStack[depth];
				index = returnStack[depth];
				continue;
			}
			Rule rule = rules.get(index);
			index++;
			if (!matchesAll(rule, ctx)) {
				continue;
			}
			hits.add(new Traversal.Hit(chain, index, table.savedText(chain, index - 1)));
			Target target = rule.target();
			if (target instanceof Target.Jump jump) {
				if (depth >= MAX_DEPTH || !table.hasChain(jump.chain())) {
					continue;
				}
				if (chainStack == null) {
					chainStack = new String[4];
					returnStack = new int[4];
				}
				else if (depth == chainStack.length) {
					chainStack = Arrays.copyOf(chainStack, 2 * depth);
					returnStack = Arrays.copyOf(returnStack, 2 * depth);
				}
				chainStack[depth] = chain;
				returnStack[depth] = index;
				depth++;
				chain = jump.chain();
				index = 0;
			}
			else if (target instanceof Target.Return) {
				if (depth == 0) {
					return new Traversal(hits, null, ctx.mark());
				}
				depth--;
				chain = chainStack[depth];
				index = returnStack[depth];
			}
			else if (target instanceof Target.SetMark setMark) {
				ctx = ctx.withMark(setMark.apply(ctx.mark()));
			}
			else {
				return new Traversal(hits, target, ctx.mark());
			}
		}
	}

	private static boolean matchesAll(Rule rule, MatchContext ctx) {
		List<Match> matches = rule.matches();
		for (int i = 0; i < matches.size(); i++) {
			if (!matches.get(i).matches(ctx)) {
				return false;
			}
		}
		return true;
	}

}
