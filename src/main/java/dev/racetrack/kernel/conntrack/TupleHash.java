package dev.racetrack.kernel.conntrack;

/**
 * One of the two hash nodes of a confirmed entry
 * ({@code struct nf_conntrack_tuple_hash}): the entry and which of its tuples the node is
 * keyed by.
 *
 * @param ct the entry
 * @param dir the direction whose tuple keys this node
 */
public record TupleHash(Conntrack ct, CtDir dir) {
}
