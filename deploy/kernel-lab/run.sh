#!/usr/bin/env bash
# deploy/kernel-lab/run.sh: the DNS/DNAT conntrack race on the kernel of this machine, in network
# namespaces laid out like a Kubernetes node (see README.md beside this file).
#
#   sudo deploy/kernel-lab/run.sh              # every mode, 20,000 lookups each, then the cold run
#   sudo N=5000 MODES="pair mmsg" COLD_NODES=0 deploy/kernel-lab/run.sh
#   sudo N=20000 MODES="snat snat-jitter" COLD_NODES=0 deploy/kernel-lab/run.sh   # the SNAT race
#
# Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for `ip netns`), iproute2, iptables, conntrack, gcc;
# musl-gcc (Debian's musl-tools) for the musl mode, which is skipped without it:
#   apt-get install -y iproute2 iptables conntrack gcc musl-tools
#
# Builds only inside namespaces it creates (named ${PREFIX}-*) and deletes them on exit: the
# host's own interfaces, routes, sysctls and firewall are never touched. Its files under
# /etc/netns/${PREFIX}-* (the pods' resolv.conf, for `ip netns exec`) are removed too.
set -euo pipefail

N=${N:-20000}                   # lookups per mode (1..200000)
MODES=${MODES:-"pair pair-jitter serial mmsg gai gai-musl"}   # also: snat snat-jitter (not by default)
JITTER_US=${JITTER_US:-40}      # pair-jitter, snat-jitter: each thread waits uniform 0..JITTER_US µs first
CHUNK=${CHUNK:-500}             # lookups per client process; the node's conntrack table is flushed between
COLD_NODES=${COLD_NODES:-100}   # fresh nodes for the cold run (0: none)
COLD_PODS=${COLD_PODS:-8}       # pods starting together on each (1..8)
TIMEOUT_MS=${TIMEOUT_MS:-200}   # how long a raw lookup waits for its two answers
SNAT_TIMEOUT_MS=${SNAT_TIMEOUT_MS:-50}   # snat modes: a connect not done by then lost its SYN (retry: 1 s)
MAX_S=${MAX_S:-300}             # a bound on each mode's time
PREFIX=${PREFIX:-rtlab}

here=$(cd "$(dirname "$0")" && pwd)
node=$PREFIX-node
backends=(dns1 dns2)            # 10.244.0.11, 10.244.0.12
pods=(pod1 pod2 pod3 pod4 pod5 pod6 pod7 pod8)   # 10.244.0.21 ...
srv=srv                         # snat modes: the server behind the node's eth0, 192.168.100.2:80
want_srv=no
[[ " $MODES " == *" snat"* ]] && want_srv=yes
work=""
servers=()

say() { printf '%s\n' "$*" >&2; }
fail() { say "kernel-lab: $*"; exit 1; }

(( EUID == 0 )) || fail "run as root (it creates network namespaces)"
[[ $N =~ ^[0-9]+$ ]] && (( N >= 1 && N <= 200000 )) || fail "N must be 1..200000"
[[ $CHUNK =~ ^[0-9]+$ ]] && (( CHUNK >= 1 && CHUNK <= 20000 )) || fail "CHUNK must be 1..20000"
[[ $COLD_NODES =~ ^[0-9]+$ ]] && (( COLD_NODES <= 500 )) || fail "COLD_NODES must be 0..500"
[[ $COLD_PODS =~ ^[0-9]+$ ]] && (( COLD_PODS >= 1 && COLD_PODS <= 8 )) || fail "COLD_PODS must be 1..8"
[[ $SNAT_TIMEOUT_MS =~ ^[0-9]+$ ]] && (( SNAT_TIMEOUT_MS >= 5 && SNAT_TIMEOUT_MS <= 900 )) || fail "SNAT_TIMEOUT_MS must be 5..900"
[[ $JITTER_US =~ ^[0-9]+$ ]] && (( JITTER_US <= 1000 )) || fail "JITTER_US must be 0..1000"
[[ $PREFIX =~ ^[a-z]{1,8}$ ]] || fail "PREFIX must be 1-8 lowercase letters"
missing=()
for tool in ip iptables conntrack gcc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
(( ${#missing[@]} == 0 )) || fail "missing: ${missing[*]} (apt-get install -y iproute2 iptables conntrack gcc musl-tools)"
[[ -e /proc/sys/net/bridge ]] || fail "no br_netfilter (modprobe br_netfilter)"

in_ns() { local ns=$1; shift; ip netns exec "$PREFIX-$ns" "$@"; }

teardown() {
	local pid ns
	for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${servers[@]}"; do wait "$pid" 2>/dev/null || true; done
	servers=()
	for ns in node "${backends[@]}" "${pods[@]}" "$srv"; do
		ip netns del "$PREFIX-$ns" 2>/dev/null || true
		rm -rf "/etc/netns/$PREFIX-$ns"
	done
}
etc_netns_was_there=$([[ -d /etc/netns ]] && echo yes || echo no)
cleanup() {
	teardown
	[[ $etc_netns_was_there == no ]] && rmdir /etc/netns 2>/dev/null
	[[ -n $work ]] && rm -rf "$work"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One node: cni0 bridge with br_netfilter, kube-proxy's DNAT for the DNS ClusterIP, the CNI's
# MASQUERADE, two DNS backends and eight client pods on veths. Always built from nothing.
setup() {
	teardown
	ip netns add "$node"
	in_ns node sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns node sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
	ip -n "$node" link set lo up
	ip -n "$node" link add cni0 type bridge
	ip -n "$node" addr add 10.244.0.1/24 dev cni0
	ip -n "$node" link set cni0 up
	# eth0 only for the snat modes: a veth to the server's netns (192.168.100.1 <-> .2), which the
	# masquerade rule below rewrites to; the DNS modes' packets never leave cni0.
	if [[ $want_srv == yes ]]; then
		ip netns add "$PREFIX-$srv"
		in_ns "$srv" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		ip -n "$node" link add eth0 type veth peer name eth0 netns "$PREFIX-$srv"
		ip -n "$node" addr add 192.168.100.1/24 dev eth0
		ip -n "$node" link set eth0 up
		ip -n "$PREFIX-$srv" link set lo up
		ip -n "$PREFIX-$srv" addr add 192.168.100.2/24 dev eth0
		ip -n "$PREFIX-$srv" link set eth0 up
	fi
	local i=0 name ip
	for name in "${backends[@]}" "${pods[@]}"; do
		if (( i < 2 )); then ip=10.244.0.$((11 + i)); else ip=10.244.0.$((19 + i)); fi
		i=$((i + 1))
		ip netns add "$PREFIX-$name"
		in_ns "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
		in_ns "$name" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
		ip -n "$node" link add "veth-$name" type veth peer name eth0 netns "$PREFIX-$name"
		ip -n "$node" link set "veth-$name" master cni0 up
		ip -n "$PREFIX-$name" link set lo up
		ip -n "$PREFIX-$name" addr add "$ip/24" dev eth0
		ip -n "$PREFIX-$name" link set eth0 up
		ip -n "$PREFIX-$name" route add default via 10.244.0.1
		mkdir -p "/etc/netns/$PREFIX-$name"   # ip netns exec bind-mounts these over /etc/*
		printf 'nameserver 10.96.0.10\noptions timeout:1 attempts:1\n' >"/etc/netns/$PREFIX-$name/resolv.conf"
		printf 'hosts: dns\n' >"/etc/netns/$PREFIX-$name/nsswitch.conf"
		printf '127.0.0.1 localhost\n' >"/etc/netns/$PREFIX-$name/hosts"
	done
	in_ns node iptables-restore <<-'EOF'
		*nat
		:PREROUTING ACCEPT [0:0]
		:INPUT ACCEPT [0:0]
		:OUTPUT ACCEPT [0:0]
		:POSTROUTING ACCEPT [0:0]
		:KUBE-SERVICES - [0:0]
		:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
		:KUBE-SEP-DNS1 - [0:0]
		:KUBE-SEP-DNS2 - [0:0]
		-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
		-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
		-A POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -o eth0 -j MASQUERADE
		-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
		-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-DNS1
		-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns" -j KUBE-SEP-DNS2
		-A KUBE-SEP-DNS1 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.0.11:53
		-A KUBE-SEP-DNS2 -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.244.0.12:53
		COMMIT
	EOF
	# not through in_ns: `ip netns exec` execs the server, so $! is the server's own pid
	ip netns exec "$PREFIX-dns1" "$work/racelab" serve 11 </dev/null >/dev/null 2>&1 & servers+=($!)
	ip netns exec "$PREFIX-dns2" "$work/racelab" serve 12 </dev/null >/dev/null 2>&1 & servers+=($!)
	if [[ $want_srv == yes ]]; then
		ip netns exec "$PREFIX-$srv" "$work/racelab" tcpserve 80 </dev/null >/dev/null 2>&1 & servers+=($!)
	fi
	sleep 0.3
}

# Sums of the node's /proc/net/stat/nf_conntrack counters over its CPUs, as "key=value ...".
ctstat() { in_ns node "$work/racelab" ctstat; }
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
# Adds up the key=value lines of stdin, key by key, in the order first seen.
sum_lines() { awk '{for(i=1;i<=NF;i++){split($i,kv,"=");if(!(kv[1] in s))o[++n]=kv[1];s[kv[1]]+=kv[2]}} END{for(i=1;i<=n;i++)printf "%s%s=%d",(i>1?" ":""),o[i],s[o[i]];print ""}'; }

# The client binary of a mode: racelab (glibc) or racelab-musl.
client_of() { [[ $1 == gai-musl ]] && echo "$work/racelab-musl" || echo "$work/racelab"; }
verb_of() { case $1 in gai-musl) echo gai ;; pair-jitter) echo pair ;; *) echo "$1" ;; esac; }

report() { # mode, the client's sums, stats before, stats after
	local mode=$1 sums=$2 before=$3 after=$4 lookups split lost k d
	lookups=$(field "$sums" lookups); split=$(field "$sums" split); lost=$(field "$sums" lost_answers)
	printf '%-11s lookups=%-6s split=%-6s (%s %%) lost_answers=%s' "$mode" "$lookups" "$split" \
		"$(awk -v s="$split" -v n="$lookups" 'BEGIN{printf "%.2f", n ? 100*s/n : 0}')" "$lost"
	for k in insert_failed drop clash_resolve; do
		d=$(( $(field "$after" "$k") - $(field "$before" "$k") ))
		printf ' %s=+%s' "$k" "$d"
	done
	printf '\n'
	# pair modes: by the skew of the two send() calls in user space, lookups and split answers;
	# P = 2 x split / lookups estimates the chance of a clash, as kernel-window.md §1 does
	[[ $mode == pair* ]] && tr ' ' '\n' <<<"$sums" | awk -F= '
		/^n_/ { lo = substr($1, 3); n[lo] = $2; order[++k] = lo }
		/^s_/ { s[substr($1, 3)] = $2 }
		END { printf "          skew µs  "; for (i = 1; i <= k; i++) printf " %6s", (order[i] / 1000) (i < k ? "-" : "+");
		      printf "\n          lookups  "; for (i = 1; i <= k; i++) printf " %6d", n[order[i]];
		      printf "\n          P        "; for (i = 1; i <= k; i++) printf " %6s", n[order[i]] ? sprintf("%.2f", 2 * s[order[i]] / n[order[i]]) : "-";
		      printf "\n" }'
	return 0
}

# Warm: lookups from the client pod until the node has resolved both backends, not counted.
warm_up() {
	local i
	for i in 1 2 3 4 5; do
		in_ns pod1 "$work/racelab" mmsg 50 --port-base 60000 >/dev/null
		in_ns node ip neigh show dev cni0 | grep -q '10.244.0.11 .*REACHABLE' &&
			in_ns node ip neigh show dev cni0 | grep -q '10.244.0.12 .*REACHABLE' && return 0
	done
	fail "the node never resolved both backends: $(in_ns node ip neigh show dev cni0 | paste -sd';')"
}

warm_mode() {
	local mode=$1 client verb left chunk before after sums started
	client=$(client_of "$mode"); verb=$(verb_of "$mode")
	[[ -x $client ]] || { say "kernel-lab: $mode skipped (no musl-gcc: apt-get install musl-tools)"; return 0; }
	in_ns node conntrack -F >/dev/null 2>&1 || true
	warm_up
	before=$(ctstat); started=$SECONDS
	sums=$(
		left=$N
		while (( left > 0 && SECONDS - started < MAX_S )); do
			chunk=$(( left < CHUNK ? left : CHUNK ))
			# a chunk's sockets bind ports 20000.. (raw modes): after the flush no live entry has them
			in_ns pod1 "$client" "$verb" "$chunk" --port-base 20000 --timeout-ms "$TIMEOUT_MS" --max-s "$MAX_S" \
				--jitter-us "$([[ $mode == pair-jitter ]] && echo "$JITTER_US" || echo 0)"
			in_ns node conntrack -F >/dev/null 2>&1 || true
			left=$(( left - chunk ))
		done | sum_lines
	)
	after=$(ctstat)
	report "$mode" "$sums" "$before" "$after"
}

# SNAT (kernel-window.md §1): two pods bind one source port and connect at once to the server
# behind eth0; the node masquerades both to 192.168.100.1. A round where one connect is not done
# within SNAT_TIMEOUT_MS lost its SYN (the retransmission would come 1 s later).
snat_mode() {
	local mode=$1 j=0 left chunk before after sums started i
	[[ $mode == snat-jitter ]] && j=$JITTER_US
	local args=(--ns1 "/run/netns/$PREFIX-pod1" --ns2 "/run/netns/$PREFIX-pod2" --server 192.168.100.2
		--dport 80 --timeout-ms "$SNAT_TIMEOUT_MS" --max-s "$MAX_S")
	in_ns node conntrack -F >/dev/null 2>&1 || true
	for i in 1 2 3 4 5; do   # warm: the node's and the server's neighbour entries, not counted
		in_ns node "$work/racelab" snat 20 "${args[@]}" --port-base 60000 >/dev/null
		in_ns node ip neigh show dev eth0 | grep -q '192.168.100.2 .*REACHABLE' && break
	done
	in_ns node conntrack -F >/dev/null 2>&1 || true
	before=$(ctstat); started=$SECONDS
	sums=$(
		left=$N
		while (( left > 0 && SECONDS - started < MAX_S )); do
			chunk=$(( left < CHUNK ? left : CHUNK ))
			# round k of a chunk: both pods bind 32000+k; after the flush no live entry has it
			in_ns node "$work/racelab" snat "$chunk" "${args[@]}" --port-base 32000 --jitter-us "$j"
			in_ns node conntrack -F >/dev/null 2>&1 || true
			left=$(( left - chunk ))
		done | sum_lines
	)
	after=$(ctstat)
	local rounds lost k d
	rounds=$(field "$sums" rounds); lost=$(field "$sums" one_lost)
	printf '%-11s rounds=%-6s one_lost=%-5s (%s %%) both_lost=%s failed=%s' "$mode" "$rounds" "$lost" \
		"$(awk -v s="$lost" -v n="$rounds" 'BEGIN{printf "%.2f", n ? 100*s/n : 0}')" \
		"$(field "$sums" both_lost)" "$(field "$sums" failed)"
	for k in insert_failed drop found clash_resolve; do
		d=$(( $(field "$after" "$k") - $(field "$before" "$k") ))
		printf ' %s=+%s' "$k" "$d"
	done
	printf '\n'
	# by the skew of the two connect() calls in user space: rounds, and P = one_lost / rounds
	tr ' ' '\n' <<<"$sums" | awk -F= '
		/^n_/ { lo = substr($1, 3); n[lo] = $2; order[++k] = lo }
		/^s_/ { s[substr($1, 3)] = $2 }
		END { printf "          skew µs  "; for (i = 1; i <= k; i++) printf " %6s", (order[i] / 1000) (i < k ? "-" : "+");
		      printf "\n          rounds   "; for (i = 1; i <= k; i++) printf " %6d", n[order[i]];
		      printf "\n          P        "; for (i = 1; i <= k; i++) printf " %6s", n[order[i]] ? sprintf("%.2f", s[order[i]] / n[order[i]]) : "-";
		      printf "\n" }'
}

# Cold: a fresh node each time, its pods' first lookups (glibc getaddrinfo) started together.
cold_run() {
	local n k at before after outs=() sums all="" stats_sum="" b a
	local -A d=()
	for (( n = 1; n <= COLD_NODES; n++ )); do
		setup
		before=$(ctstat)
		at=$(( $(date +%s%N) + 300000000 ))
		for (( k = 1; k <= COLD_PODS; k++ )); do
			in_ns "pod$k" "$work/racelab" gai 1 --at "$at" >"$work/cold.$k" &
		done
		wait_clients
		after=$(ctstat)
		all+=$(cat "$work"/cold.*)$'\n'
		for key in insert_failed drop clash_resolve; do
			d[$key]=$(( ${d[$key]:-0} + $(field "$after" "$key") - $(field "$before" "$key") ))
		done
		rm -f "$work"/cold.*
	done
	sums=$(printf '%s' "$all" | grep . | sum_lines)
	printf 'cold     first lookups of %d pods together on %d fresh nodes (glibc getaddrinfo):\n' "$COLD_PODS" "$COLD_NODES"
	report "cold-gai" "$sums" "insert_failed=0 drop=0 clash_resolve=0" \
		"insert_failed=${d[insert_failed]} drop=${d[drop]} clash_resolve=${d[clash_resolve]}"
}
# wait for the cold clients only (the backends run in the background too)
wait_clients() {
	local pid
	for pid in $(jobs -p); do
		[[ " ${servers[*]} " == *" $pid "* ]] || wait "$pid"
	done
}

work=$(mktemp -d)
gcc -O2 -Wall -pthread -o "$work/racelab" "$here/racelab.c"
if command -v musl-gcc >/dev/null; then
	musl-gcc -O2 -static -pthread -o "$work/racelab-musl" "$here/racelab.c"
fi

say "kernel-lab on $(uname -r), $(nproc) CPUs; $(ldd --version | head -1); $(iptables -V)"
say "node: netns $node, cni0 10.244.0.1/24, br_netfilter; DNS ClusterIP 10.96.0.10:53 -> 10.244.0.11 | 10.244.0.12"
[[ $want_srv == yes ]] && say "snat: eth0 192.168.100.1/24 <-> netns $PREFIX-$srv 192.168.100.2:80; MASQUERADE -s 10.244.0.0/16 ! -d 10.244.0.0/16 -o eth0"
setup
for mode in $MODES; do
	case $mode in
	pair | pair-jitter | serial | mmsg | gai | gai-musl) warm_mode "$mode" ;;
	snat | snat-jitter) snat_mode "$mode" ;;
	*) fail "unknown mode $mode" ;;
	esac
done
(( COLD_NODES > 0 )) && cold_run
exit 0
