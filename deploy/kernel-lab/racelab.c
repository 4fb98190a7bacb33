/*
 * racelab: the client and the DNS backends of deploy/kernel-lab/run.sh.
 *
 *   racelab serve ID                 a backend pod: answer every A/AAAA query on :53 with
 *                                    192.0.2.ID / 2001:db8::ID, so the client sees who answered
 *   racelab pair   N [opts]          N lookups, A and AAAA sent at once by two threads pinned to
 *                                    CPU 0 and 1 on one connected UDP socket (udpclash, conntrack-race)
 *   racelab serial N [opts]          one thread, two send() back to back (musl's two sendto)
 *   racelab mmsg   N [opts]          one thread, one sendmmsg() of both (glibc's send_dg)
 *   racelab gai    N [opts]          the libc's own getaddrinfo(AF_UNSPEC) (glibc, or musl when
 *                                    built with musl-gcc), through the pod's /etc/resolv.conf
 *   racelab ctstat                   the sum over CPUs of /proc/net/stat/nf_conntrack (hex per CPU)
 *   racelab tcpserve PORT            the SNAT modes' server: accept every TCP connection, close it
 *   racelab snat N --ns1 NETNS --ns2 NETNS [opts]
 *                                    N rounds: two threads pinned to CPU 0 and 1, each in its own pod's
 *                                    netns (setns on the thread), each binding the SAME source port
 *                                    (P, P+1, ... by round), released by a spinning barrier, each a
 *                                    non-blocking connect() to --server:--dport; a connect not done in
 *                                    --timeout-ms had its SYN dropped (the retransmission is 1 s away)
 *
 * opts: --port-base P (raw modes bind source ports P, P+1, ... so that no lookup meets a live
 *       conntrack entry of an earlier one), --timeout-ms T (per lookup, default 200),
 *       --at NS (start at this CLOCK_REALTIME instant, for pods starting together),
 *       --max-s S (stop after S seconds, default 120), --name NAME (for gai),
 *       --jitter-us J (pair: each thread busy-waits uniform 0..J µs after the barrier, so that
 *       the skew spreads as in kernel-window.md §1; the skew is taken just before each send).
 *
 * snat (kernel-window.md §1, SNAT): both SYNs leave their pods at once, cross cni0 into the node,
 *   are forwarded to eth0 and reach POSTROUTING's MASQUERADE on two CPUs: get_unique_tuple keeps
 *   the source port when nf_nat_used_tuple finds no *confirmed* entry holding node-ip:port, so two
 *   unconfirmed entries both take it; the second __nf_conntrack_confirm finds the first's reply
 *   tuple, TCP has no clash resolution, the SYN is dropped (insert_failed, drop).
 *
 * What happens in the node's netns (the race of src/docs/kernel-window.md):
 *   each query leaves the pod's veth by netif_rx onto the sending CPU's backlog; that CPU's
 *   softirq runs the bridge's br_nf_pre_routing -> nf_conntrack_in (a new, unconfirmed entry)
 *   -> iptables nat PREROUTING (KUBE-SERVICES, statistic random, DNAT to one backend) ->
 *   br_nf_pre_routing_finish_bridge -> neigh output -> bridge post-routing -> __nf_conntrack_confirm.
 *   Two queries of one 5-tuple in that window on two CPUs: the second confirm finds the first's
 *   entry; 6.x resolves it (nf_ct_resolve_clash: same backend merged, another backend kept as a
 *   reply-only clash entry, counted in clash_resolve), where 4.x dropped it (insert_failed, drop).
 *   Answers from two backends are the visible trace of a clash with different DNAT choices.
 *
 * Output: one line of key=value words (summed by run.sh over chunks).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *server = "10.96.0.10";
static int port_base = 0, timeout_ms = 200, max_s = 120;
static long long start_at = 0;
static const char *name = "lab.example.";

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* ---- the DNS backends ---------------------------------------------------------------- */

static _Noreturn void serve(int id)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		die("serve: bind :53");
	alarm(4 * 3600); /* a last bound, should run.sh's cleanup never come */
	for (;;) {
		unsigned char q[600];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, q, 512, 0, (struct sockaddr *)&from, &fl);
		if (n < 17)
			continue;
		size_t off = 12; /* the question: labels, then QTYPE and QCLASS */
		while (off < (size_t)n && q[off] != 0)
			off += q[off] + 1;
		if (off + 5 > (size_t)n)
			continue;
		int qtype = q[off + 1] << 8 | q[off + 2];
		off += 5;
		q[2] = 0x84 | (q[2] & 0x01); /* QR, AA, keep RD */
		q[3] = 0x80;                 /* RA, NOERROR */
		q[6] = 0, q[7] = 0, q[8] = 0, q[9] = 0, q[10] = 0, q[11] = 0; /* no EDNS echoed */
		if (qtype == 1 || qtype == 28) {
			unsigned char rr[12 + 16] = { 0xc0, 0x0c, 0, (unsigned char)qtype, 0, 1, 0, 0, 0, 0 };
			int len = qtype == 1 ? 4 : 16;
			rr[11] = (unsigned char)len;
			if (qtype == 1) {
				rr[12] = 192, rr[13] = 0, rr[14] = 2, rr[15] = (unsigned char)id;
			} else {
				rr[12] = 0x20, rr[13] = 0x01, rr[14] = 0x0d, rr[15] = 0xb8;
				rr[12 + 15] = (unsigned char)id;
			}
			memcpy(q + off, rr, 12 + len);
			off += 12 + len;
			q[7] = 1; /* ANCOUNT */
		}
		sendto(fd, q, off, 0, (struct sockaddr *)&from, fl);
	}
}

/* ---- /proc/net/stat/nf_conntrack ------------------------------------------------------ */

static int ctstat(void)
{
	FILE *f = fopen("/proc/net/stat/nf_conntrack", "r");
	char head[64][32], line[1024];
	unsigned long long sum[64] = { 0 };
	int cols = 0;
	if (!f || !fgets(line, sizeof line, f))
		die("/proc/net/stat/nf_conntrack");
	for (char *t = strtok(line, " \t\n"); t && cols < 64; t = strtok(NULL, " \t\n"))
		snprintf(head[cols++], 32, "%s", t);
	while (fgets(line, sizeof line, f)) { /* one line per possible CPU, hex */
		int c = 0;
		for (char *t = strtok(line, " \t\n"); t && c < cols; t = strtok(NULL, " \t\n"))
			sum[c++] += strtoull(t, NULL, 16);
	}
	for (int c = 0; c < cols; c++)
		if (strcmp(head[c], "entries") != 0) /* entries is global, repeated per CPU */
			printf("%s%s=%llu", c > 1 ? " " : "", strcmp(head[c], "clashres") ? head[c] : "clash_resolve",
			       sum[c]);
	printf("\n");
	return 0;
}

/* ---- queries -------------------------------------------------------------------------- */

static size_t query(unsigned char *b, uint16_t id, int qtype)
{
	size_t n = 12;
	memset(b, 0, 12);
	b[0] = id >> 8, b[1] = id & 0xff, b[2] = 0x01, b[5] = 1; /* RD, QDCOUNT 1 */
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		b[n++] = (unsigned char)l;
		memcpy(b + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	b[n++] = 0;
	b[n++] = 0, b[n++] = (unsigned char)qtype, b[n++] = 0, b[n++] = 1;
	return n;
}

/* a fresh connected socket from the next source port (no live conntrack entry has it) */
static int next_socket(void)
{
	static int next = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	for (int tries = 0; port_base && tries < 1000; tries++) {
		struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(port_base + next++) };
		if (bind(fd, (struct sockaddr *)&me, sizeof me) == 0)
			break;
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(53) };
	inet_pton(AF_INET, server, &to.sin_addr);
	if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0)
		die("connect");
	return fd;
}

/* wait for the two answers; returns how many came, each backend's id in who[0] (A), who[1] (AAAA) */
static int answers(int fd, uint16_t id, int who[2])
{
	int got = 0;
	long long deadline = now_ns() + timeout_ms * 1000000LL;
	who[0] = who[1] = 0;
	while (got < 2) {
		long long left = (deadline - now_ns()) / 1000000;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left < 0 || poll(&p, 1, (int)left + 1) <= 0)
			break;
		unsigned char r[600];
		ssize_t n = recv(fd, r, sizeof r, 0);
		if (n < 13)
			continue;
		uint16_t rid = r[0] << 8 | r[1];
		if ((rid & ~1) != id || who[rid & 1])
			continue;
		who[rid & 1] = r[n - 1]; /* the last byte of the answer's address: the backend */
		got++;
	}
	return got;
}

/* ---- two threads, one socket (the racing shape) --------------------------------------- */

/* skew bins (ns) of the two sends, pair mode, as in kernel-window.md §1: lookups, split answers */
#define BINS 14
static const long edges[BINS - 1] = { 500, 1000, 1500, 2000, 3000, 4000, 5000,
				      6000, 8000, 10000, 15000, 20000, 40000 };
static long bin_n[BINS], bin_split[BINS];
static int jitter_ns; /* pair mode: each thread busy-waits uniform 0..jitter before its send */

static void jitter(unsigned *seed)
{
	if (jitter_ns) {
		long long until = now_ns() + rand_r(seed) % (jitter_ns + 1);
		while (now_ns() < until)
			;
	}
}

static atomic_int bar_count, bar_gen, shared_fd, round_id;
static atomic_llong t_aaaa;

static void spin_barrier(void)
{
	int g = atomic_load(&bar_gen);
	if (atomic_fetch_add(&bar_count, 1) == 1) {
		atomic_store(&bar_count, 0);
		atomic_fetch_add(&bar_gen, 1);
		return;
	}
	for (long k = 0; atomic_load(&bar_gen) == g; k++)
		if (k > 200000)
			sched_yield(); /* the backends need a CPU too while an answer is awaited */
}

static void pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof s, &s);
}

static void *aaaa_thread(void *unused)
{
	unsigned seed = 2;
	(void)unused;
	pin(1);
	for (;;) {
		spin_barrier();
		int fd = atomic_load(&shared_fd);
		if (fd < 0)
			return NULL;
		unsigned char b[300];
		size_t n = query(b, (uint16_t)(atomic_load(&round_id) | 1), 28);
		jitter(&seed);
		atomic_store(&t_aaaa, now_ns());
		send(fd, b, n, 0);
		spin_barrier();
	}
}

/* ---- the loop ------------------------------------------------------------------------- */

enum mode { PAIR, SERIAL, MMSG, GAI };


static int gai_lookup(int who[2])
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res, *r;
	who[0] = who[1] = 0;
	if (getaddrinfo(name, NULL, &hints, &res) != 0)
		return 0;
	for (r = res; r; r = r->ai_next) {
		if (r->ai_family == AF_INET)
			who[0] = ((unsigned char *)&((struct sockaddr_in *)r->ai_addr)->sin_addr)[3];
		else if (r->ai_family == AF_INET6)
			who[1] = ((struct sockaddr_in6 *)r->ai_addr)->sin6_addr.s6_addr[15];
	}
	freeaddrinfo(res);
	return (who[0] != 0) + (who[1] != 0);
}

static int run(enum mode mode, long n)
{
	long done = 0, split = 0, lost_lookups = 0, lost_answers = 0;
	unsigned seed = 1;
	pthread_t other;
	if (start_at) {
		struct timespec at = { start_at / 1000000000LL, start_at % 1000000000LL };
		clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &at, NULL);
	}
	if (mode == PAIR) {
		pin(0);
		pthread_create(&other, NULL, aaaa_thread, NULL);
	}
	long long stop = now_ns() + max_s * 1000000000LL;
	for (long i = 0; i < n && now_ns() < stop; i++, done++) {
		int who[2], got;
		uint16_t id = (uint16_t)(2 * i);
		unsigned char a[300], aaaa[300];
		if (mode == GAI) {
			got = gai_lookup(who);
		} else {
			int fd = next_socket();
			size_t na = query(a, id, 1), n6 = query(aaaa, id | 1, 28);
			if (mode == PAIR) {
				atomic_store(&shared_fd, fd);
				atomic_store(&round_id, id);
				spin_barrier(); /* both threads leave together ... */
				jitter(&seed);
				long long t_a = now_ns();
				send(fd, a, na, 0); /* ... A from CPU 0, AAAA from CPU 1 */
				spin_barrier();
				long long skew = llabs(atomic_load(&t_aaaa) - t_a);
				int b = 0;
				while (b < BINS - 1 && skew >= edges[b])
					b++;
				got = answers(fd, id, who);
				bin_n[b]++;
				bin_split[b] += got == 2 && who[0] != who[1];
			} else if (mode == SERIAL) {
				send(fd, a, na, 0); /* musl: one sendto per query, same thread, same CPU */
				send(fd, aaaa, n6, 0);
				got = answers(fd, id, who);
			} else {
				struct iovec v[2] = { { a, na }, { aaaa, n6 } };
				struct mmsghdr m[2] = { { .msg_hdr = { .msg_iov = &v[0], .msg_iovlen = 1 } },
							{ .msg_hdr = { .msg_iov = &v[1], .msg_iovlen = 1 } } };
				sendmmsg(fd, m, 2, 0); /* glibc's send_dg: both in one call */
				got = answers(fd, id, who);
			}
			close(fd);
		}
		split += got == 2 && who[0] != who[1];
		lost_lookups += got < 2;
		lost_answers += 2 - got;
	}
	if (mode == PAIR) {
		atomic_store(&shared_fd, -1);
		spin_barrier();
		pthread_join(other, NULL);
	}
	printf("lookups=%ld split=%ld lost_lookups=%ld lost_answers=%ld", done, split, lost_lookups, lost_answers);
	if (mode == PAIR)
		for (int b = 0; b < BINS; b++) /* n_LOW=lookups s_LOW=split, LOW the bin's lower edge in ns */
			printf(" n_%ld=%ld s_%ld=%ld", b ? edges[b - 1] : 0, bin_n[b], b ? edges[b - 1] : 0, bin_split[b]);
	printf("\n");
	return 0;
}

/* ---- the SNAT modes: a TCP server behind eth0, two pods binding one port ------------------ */

static _Noreturn void tcpserve(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0)
		die("tcpserve: bind/listen");
	alarm(4 * 3600); /* a last bound, should run.sh's cleanup never come */
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

static const char *ns_path[2];
static int dport = 80;
static atomic_int snat_port;       /* this round's source port, both pods */
static atomic_int snat_ok[2];      /* 1 connected, 0 timed out, -1 failed otherwise */
static atomic_llong snat_t[2];     /* CLOCK_MONOTONIC just before each connect() */

static void enter_netns(int who)
{
	int fd = open(ns_path[who], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) /* the calling thread only: sockets it opens live there */
		die(ns_path[who]);
	close(fd);
}

/* one pod's side of a round: socket, SO_REUSEADDR, SO_LINGER 0 (close sends RST: no TIME_WAIT),
   bind the round's port, wait at the barrier, jitter, connect, wait for the handshake */
static void snat_side(int who, unsigned *seed)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	struct linger lg = { 1, 0 };
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atomic_load(&snat_port)) };
	if (bind(fd, (struct sockaddr *)&me, sizeof me) < 0)
		die("bind");
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)dport) };
	inet_pton(AF_INET, server, &to.sin_addr);
	spin_barrier(); /* both pods leave together ... */
	jitter(seed);
	atomic_store(&snat_t[who], now_ns());
	int r = connect(fd, (struct sockaddr *)&to, sizeof to); /* ... the SYN goes out in here */
	int ok = r == 0;
	if (r < 0 && errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		long long deadline = now_ns() + timeout_ms * 1000000LL;
		int err = 0;
		socklen_t el = sizeof err;
		for (;;) {
			long long left = (deadline - now_ns()) / 1000000;
			int pr = left < 0 ? 0 : poll(&p, 1, (int)left + 1);
			if (pr < 0 && errno == EINTR)
				continue;
			if (pr <= 0) {
				ok = 0; /* no SYN-ACK in time: the SYN was dropped */
				break;
			}
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
			ok = err == 0 ? 1 : -1;
			break;
		}
	} else if (r < 0) {
		ok = -1;
	}
	atomic_store(&snat_ok[who], ok);
	spin_barrier(); /* both done: the round's results are in */
	close(fd);      /* RST when connected; a pending SYN is just forgotten */
}

static void *snat_thread(void *unused)
{
	unsigned seed = 2;
	(void)unused;
	pin(1);
	enter_netns(1);
	for (;;) {
		spin_barrier(); /* the round starts (or shared_fd < 0: done) */
		if (atomic_load(&shared_fd) < 0)
			return NULL;
		snat_side(1, &seed);
	}
}

static int run_snat(long n)
{
	long done = 0, both = 0, one_lost = 0, both_lost = 0, failed = 0;
	long bin_drop[BINS] = { 0 };
	unsigned seed = 1;
	pthread_t other;
	if (!ns_path[0] || !ns_path[1] || !port_base)
		die("snat needs --ns1, --ns2 and --port-base");
	pin(0);
	enter_netns(0);
	atomic_store(&shared_fd, 0);
	pthread_create(&other, NULL, snat_thread, NULL);
	long long stop = now_ns() + max_s * 1000000000LL;
	for (long i = 0; i < n && now_ns() < stop; i++, done++) {
		atomic_store(&snat_port, port_base + (int)(i % 30000));
		spin_barrier(); /* the other thread takes the round */
		snat_side(0, &seed);
		int a = atomic_load(&snat_ok[0]), b = atomic_load(&snat_ok[1]);
		long long skew = llabs(atomic_load(&snat_t[1]) - atomic_load(&snat_t[0]));
		int k = 0;
		while (k < BINS - 1 && skew >= edges[k])
			k++;
		bin_n[k]++;
		if (a < 0 || b < 0)
			failed++;
		else if (a && b)
			both++;
		else if (a || b)
			one_lost++, bin_drop[k]++;
		else
			both_lost++;
	}
	atomic_store(&shared_fd, -1);
	spin_barrier();
	pthread_join(other, NULL);
	printf("rounds=%ld both=%ld one_lost=%ld both_lost=%ld failed=%ld", done, both, one_lost, both_lost, failed);
	for (int k = 0; k < BINS; k++) /* n_LOW=rounds s_LOW=rounds with one SYN lost */
		printf(" n_%ld=%ld s_%ld=%ld", k ? edges[k - 1] : 0, bin_n[k], k ? edges[k - 1] : 0, bin_drop[k]);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "serve") && argc == 3)
		serve(atoi(argv[2]));
	if (!strcmp(argv[1], "ctstat"))
		return ctstat();
	if (!strcmp(argv[1], "tcpserve") && argc == 3)
		tcpserve(atoi(argv[2]));
	if (argc < 3)
		goto usage;
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port-base"))
			port_base = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout-ms"))
			timeout_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--at"))
			start_at = atoll(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-s"))
			max_s = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--jitter-us"))
			jitter_ns = 1000 * atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--name"))
			name = argv[i + 1];
		else if (!strcmp(argv[i], "--server"))
			server = argv[i + 1];
		else if (!strcmp(argv[i], "--dport"))
			dport = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--ns1"))
			ns_path[0] = argv[i + 1];
		else if (!strcmp(argv[i], "--ns2"))
			ns_path[1] = argv[i + 1];
		else
			goto usage;
	}
	long n = atol(argv[2]);
	if (n < 1 || n > 1000000 || jitter_ns < 0 || jitter_ns > 1000000 || timeout_ms < 1 || timeout_ms > 10000 || max_s < 1 || max_s > 3600)
		goto usage;
	if (!strcmp(argv[1], "pair"))
		return run(PAIR, n);
	if (!strcmp(argv[1], "serial"))
		return run(SERIAL, n);
	if (!strcmp(argv[1], "mmsg"))
		return run(MMSG, n);
	if (!strcmp(argv[1], "gai"))
		return run(GAI, n);
	if (!strcmp(argv[1], "snat"))
		return run_snat(n);
usage:
	fprintf(stderr, "usage: racelab serve ID | tcpserve PORT | ctstat | (pair|serial|mmsg|gai) N [--port-base P] "
			"[--timeout-ms T] [--at REALTIME_NS] [--max-s S] [--jitter-us J] [--name NAME] "
			"[--server IP] | snat N --ns1 NETNS --ns2 NETNS --port-base P --server IP [--dport PORT] "
			"[--timeout-ms T] [--max-s S] [--jitter-us J]\n");
	return 2;
}
