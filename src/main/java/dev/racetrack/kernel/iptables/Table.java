package dev.racetrack.kernel.iptables;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An iptables table ({@code nat} or {@code raw}): built-in chains with ACCEPT policies,
 * and user-defined chains. Rules are appended in order, as {@code iptables -A} would.
 */
public final class Table {

	/**
	 * The built-in chains of the nat table, in the order {@code iptables -S} lists them.
	 */
	public static final List<String> NAT_BUILTINS = List.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING");

	/** The built-in chains of the raw table. */
	public static final List<String> RAW_BUILTINS = List.of("PREROUTING", "OUTPUT");

	/** A bound on rules per table, so a configuration cannot grow without limit. */
	public static final int MAX_RULES = 4096;

	private final String name;

	private final Map<String, List<Rule>> builtins = new LinkedHashMap<>();

	private final Map<String, List<Rule>> userChains = new TreeMap<>();

	/**
	 * Each rule's {@code -A} text, made once when it is appended (rules are immutable):
	 * {@code ipt_do_table} reports every rule that matched, and building the text on
	 * every walk would cost more than the walk.
	 */
	private final Map<String, List<String>> texts = new HashMap<>();

	private int ruleCount;

	/** Set by {@link #freeze()}: the table may then be shared by runs and threads. */
	private volatile boolean frozen;

	public Table(String name, List<String> builtinChains) {
		this.name = name;
		for (String chain : builtinChains) {
			this.builtins.put(chain, new ArrayList<>());
		}
	}

	public static Table nat() {
		return new Table("nat", NAT_BUILTINS);
	}

	public static Table raw() {
		return new Table("raw", RAW_BUILTINS);
	}

	public String name() {
		return this.name;
	}

	/** {@code iptables -N chain}; a no-op for an existing chain. */
	public Table newChain(String chain) {
		checkNotFrozen();
		if (!this.builtins.containsKey(chain)) {
			this.userChains.putIfAbsent(chain, new ArrayList<>());
		}
		return this;
	}

	/** {@code iptables -A chain rule}; the chain is created if it is new. */
	public Table append(String chain, Rule rule) {
		checkNotFrozen();
		if (++this.ruleCount > MAX_RULES) {
			throw new IllegalStateException("more than " + MAX_RULES + " rules in table " + this.name);
		}
		newChain(chain);
		chain(chain).add(rule);
		this.texts.computeIfAbsent(chain, (c) -> new ArrayList<>()).add(rule.save(chain));
		return this;
	}

	/**
	 * Makes the table read-only: {@link #newChain} and {@link #append} throw from now on.
	 * A frozen table is never written again, so any number of runs, on any threads, may
	 * walk it (a write happens before the volatile write of this flag, and a thread sees
	 * the table through a safe publication).
	 */
	public Table freeze() {
		this.frozen = true;
		return this;
	}

	/** Whether {@link #freeze()} was called. */
	public boolean frozen() {
		return this.frozen;
	}

	private void checkNotFrozen() {
		if (this.frozen) {
			throw new IllegalStateException("table " + this.name + " is frozen");
		}
	}

	/**
	 * The rules of a chain, in order, for {@link IptablesEvaluator} (no copy, no
	 * wrapper); {@code null} for an unknown chain.
	 */
	List<Rule> chainRules(String chain) {
		List<Rule> rules = this.builtins.get(chain);
		return (rules != null) ? rules : this.userChains.get(chain);
	}

	/** {@link Rule#save} of rule {@code index} (0-based) of a chain. */
	String savedText(String chain, int index) {
		return this.texts.get(chain).get(index);
	}

	/** The rules of a chain, in order; empty for an unknown chain. */
	public List<Rule> rules(String chain) {
		List<Rule> rules = this.builtins.containsKey(chain) ? this.builtins.get(chain) : this.userChains.get(chain);
		return (rules != null) ? Collections.unmodifiableList(rules) : List.of();
	}

	/** Whether a chain has no rules (or does not exist), without a copy or a wrapper. */
	public boolean isEmpty(String chain) {
		List<Rule> rules = chainRules(chain);
		return rules == null || rules.isEmpty();
	}

	public boolean builtin(String chain) {
		return this.builtins.containsKey(chain);
	}

	public boolean hasChain(String chain) {
		return this.builtins.containsKey(chain) || this.userChains.containsKey(chain);
	}

	private List<Rule> chain(String chain) {
		return this.builtins.containsKey(chain) ? this.builtins.get(chain) : this.userChains.get(chain);
	}

	/**
	 * {@code iptables -t
	 *
	<table>
	 *  -S}: the policies of the built-in chains, the user chains (in alphabetical order),
	 * then every rule, chain by chain.
	 */
	public List<String> save() {
		List<String> lines = new ArrayList<>();
		this.builtins.keySet().forEach((chain) -> lines.add("-P " + chain + " ACCEPT"));
		this.userChains.keySet().forEach((chain) -> lines.add("-N " + chain));
		this.builtins.forEach((chain, rules) -> rules.forEach((rule) -> lines.add(rule.save(chain))));
		this.userChains.forEach((chain, rules) -> rules.forEach((rule) -> lines.add(rule.save(chain))));
		return lines;
	}

}
