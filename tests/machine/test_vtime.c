// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_vtime.c - the virtual-time scheduler (machine/vtime.c) and the lab's
 * threads, locks and conditions in it (machine/mthread.c).
 *
 * Properties: contexts run lowest clock first and a run is a function of
 * its program (the same trace twice); a lock held for H by N contexts
 * serialises to N*H, with the hand-off costs the cost table names; a
 * condition wakes its waiter at the signal's time plus the wake cost, and a
 * timed wait ends at its deadline; thread-locals are per context; a join
 * ends no earlier than the joined context; a deadlock is reported, not hung;
 * the command queue's one hardware server serves N back-to-back submitters
 * at 1/S with a mean wait of (N-1)*S, and its lock serialises issue to N*H.
 */
#include "harness.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS 1000ull	/* ps per ns */

static struct vtime_cfg zero_cfg(void)
{
	struct vtime_cfg c;

	memset(&c, 0, sizeof(c));
	return c;
}

/* ---- ordering and determinism -------------------------------------------- */

#define TRACE_MAX 4096

static struct {
	unsigned int n;
	unsigned int who[TRACE_MAX];
	uint64_t when[TRACE_MAX];
} trace;

static void trace_add(unsigned int who)
{
	if (trace.n < TRACE_MAX) {
		trace.who[trace.n] = who;
		trace.when[trace.n] = vtime_now_ps();
		trace.n++;
	}
}

struct stepper {
	unsigned int id;
	uint64_t step_ns;
	unsigned int steps;
};

static void *stepper_fn(void *arg)
{
	struct stepper *s = arg;

	for (unsigned int i = 0; i < s->steps; i++) {
		trace_add(s->id);
		mclock_spend(s->step_ns);
	}
	return NULL;
}

static void run_steppers(void *arg)
{
	struct stepper st[4] = {
		{ 0, 30, 20 }, { 1, 70, 10 }, { 2, 10, 50 }, { 3, 45, 15 },
	};
	struct mthread t[4];

	(void)arg;
	for (int i = 0; i < 4; i++)
		CHECK(mthread_create(&t[i], "stepper", stepper_fn, &st[i]) == 0);
	for (int i = 0; i < 4; i++)
		mthread_join(&t[i], NULL);
}

/* Every step happens in clock order; two runs give the same trace. */
static void test_lowest_clock_first_and_repeatable(void)
{
	struct vtime_cfg cfg = zero_cfg();
	unsigned int who[TRACE_MAX];
	uint64_t when[TRACE_MAX];
	unsigned int n;

	memset(&trace, 0, sizeof(trace));
	REQUIRE(vtime_run(&cfg, run_steppers, NULL, NULL) == 0);
	REQUIRE(trace.n == 20 + 10 + 50 + 15, "steps %u", trace.n);
	for (unsigned int i = 1; i < trace.n; i++)
		CHECK(trace.when[i] >= trace.when[i - 1], "step %u at %llu after %llu", i,
		      (unsigned long long)trace.when[i], (unsigned long long)trace.when[i - 1]);
	n = trace.n;
	memcpy(who, trace.who, sizeof(who));
	memcpy(when, trace.when, sizeof(when));
	memset(&trace, 0, sizeof(trace));
	REQUIRE(vtime_run(&cfg, run_steppers, NULL, NULL) == 0);
	CHECK(trace.n == n);
	CHECK(!memcmp(who, trace.who, n * sizeof(who[0])), "same order");
	CHECK(!memcmp(when, trace.when, n * sizeof(when[0])), "same times");
	/* The ends: stepper 2 makes 50 steps of 10 ns, last one at 490 ns. */
	for (unsigned int i = 0; i < trace.n; i++)
		if (trace.who[i] == 2)
			n = i;
	CHECK(trace.when[n] == 490 * NS, "last step of #2 at %llu",
	      (unsigned long long)trace.when[n]);
}

/* ---- locks: closed forms -------------------------------------------------- */

struct locker {
	struct mlock *l;
	uint64_t hold_ns;
	unsigned int rounds;
	uint64_t waited_ps;	/* sum over rounds of the time from asking to holding */
	uint64_t end_ps;
};

static void *locker_fn(void *arg)
{
	struct locker *k = arg;

	for (unsigned int i = 0; i < k->rounds; i++) {
		uint64_t t0 = vtime_now_ps();

		mlock_lock(k->l);
		k->waited_ps += vtime_now_ps() - t0;
		CHECK(mlock_held(k->l));
		mclock_spend(k->hold_ns);
		mlock_unlock(k->l);
	}
	k->end_ps = vtime_now_ps();
	return NULL;
}

struct lock_case {
	unsigned int n, rounds;
	uint64_t hold_ns;
	struct locker k[64];
	uint64_t end_ps;
};

static void run_lockers(void *arg)
{
	struct lock_case *lc = arg;
	struct mthread t[64];
	struct mlock l;

	mlock_init(&l, "test", MLOCK_MODELLED);
	for (unsigned int i = 0; i < lc->n; i++) {
		lc->k[i] = (struct locker){ &l, lc->hold_ns, lc->rounds, 0, 0 };
		CHECK(mthread_create(&t[i], "locker", locker_fn, &lc->k[i]) == 0);
	}
	for (unsigned int i = 0; i < lc->n; i++)
		mthread_join(&t[i], NULL);
	lc->end_ps = vtime_now_ps();
	CHECK(!l.v.owner && !l.v.head && !l.v.nwait, "lock free and unqueued at the end");
	mlock_destroy(&l);
}

/* N contexts each holding a lock for H, R times: the last ends at N*R*H. */
static void test_lock_serialises_to_n_times_hold(void)
{
	static struct lock_case lc;
	struct vtime_cfg cfg = zero_cfg();
	struct vtime_stats st;

	for (unsigned int n = 1; n <= 64; n *= 4) {
		uint64_t last = 0, waited = 0;

		memset(&lc, 0, sizeof(lc));
		lc.n = n;
		lc.rounds = 10;
		lc.hold_ns = 500;
		REQUIRE(vtime_run(&cfg, run_lockers, &lc, &st) == 0);
		for (unsigned int i = 0; i < n; i++) {
			if (lc.k[i].end_ps > last)
				last = lc.k[i].end_ps;
			waited += lc.k[i].waited_ps;
		}
		CHECK(last == (uint64_t)n * 10 * 500 * NS, "n %u: makespan %llu ps", n,
		      (unsigned long long)last);
		/* Closed system, FIFO: every acquisition waits for the other N-1 holds. */
		if (n > 1)
			CHECK(waited / (n * 10ull) >= (n - 1) * 500 * NS * 9 / 10 &&
			      waited / (n * 10ull) <= (n - 1) * 500 * NS,
			      "n %u: mean wait %llu ps, want about %llu", n,
			      (unsigned long long)(waited / (n * 10ull)),
			      (unsigned long long)((n - 1) * 500 * NS));
		CHECK(n == 1 || st.lock_waits > 0, "n %u: waits %llu", n,
		      (unsigned long long)st.lock_waits);
	}
}

/* The hand-off costs: COST_LOCK always, COST_LINE across contexts, and
 * COST_LINE_CONTEND per context still spinning. */
static void test_lock_handoff_costs(void)
{
	static struct lock_case lc;
	struct vtime_cfg cfg = zero_cfg();
	uint64_t last = 0;

	cfg.cost_ps[COST_LOCK] = 10 * NS;
	/* One context: COST_LOCK per round, never a line transfer. */
	memset(&lc, 0, sizeof(lc));
	lc.n = 1;
	lc.rounds = 5;
	lc.hold_ns = 100;
	REQUIRE(vtime_run(&cfg, run_lockers, &lc, NULL) == 0);
	CHECK(lc.k[0].end_ps == 5 * 110 * NS, "one context: %llu",
	      (unsigned long long)lc.k[0].end_ps);

	/* Four contexts queued from the start: each hand-off adds LINE + CONTEND * spinners left. */
	cfg.cost_ps[COST_LOCK] = 0;
	cfg.cost_ps[COST_LINE] = 20 * NS;
	cfg.cost_ps[COST_LINE_CONTEND] = 5 * NS;
	memset(&lc, 0, sizeof(lc));
	lc.n = 4;
	lc.rounds = 1;
	lc.hold_ns = 100;
	REQUIRE(vtime_run(&cfg, run_lockers, &lc, NULL) == 0);
	for (unsigned int i = 0; i < 4; i++)
		if (lc.k[i].end_ps > last)
			last = lc.k[i].end_ps;
	/* 4 holds of 100, hand-offs with 2, 1 and 0 spinners left behind. */
	CHECK(last == (400 + 3 * 20 + (2 + 1 + 0) * 5) * NS, "four contexts: %llu",
	      (unsigned long long)last);
}

/* An MLOCK_FREE lock excludes but costs nothing and orders nothing. */
static void run_free_lock(void *arg)
{
	struct mlock l;
	uint64_t *t = arg;

	mlock_init(&l, "free", MLOCK_FREE);
	mlock_lock(&l);
	mlock_unlock(&l);
	mlock_lock(&l);
	mlock_unlock(&l);
	*t = vtime_now_ps();
	mlock_destroy(&l);
}

static void test_free_lock_costs_nothing(void)
{
	struct vtime_cfg cfg = zero_cfg();
	uint64_t t = 1;

	cfg.cost_ps[COST_LOCK] = 10 * NS;
	cfg.cost_ps[COST_LINE] = 10 * NS;
	REQUIRE(vtime_run(&cfg, run_free_lock, &t, NULL) == 0);
	CHECK(t == 0, "free lock charged %llu ps", (unsigned long long)t);
}

/* ---- conditions ----------------------------------------------------------- */

struct cond_case {
	struct mlock l;
	struct mcond c;
	bool flag;
	uint64_t woke_ps, timed_ps;
	int timed_ret, signalled_ret;
};

static void *cond_waiter(void *arg)
{
	struct cond_case *cc = arg;

	mlock_lock(&cc->l);
	while (!cc->flag)
		mcond_wait(&cc->c, &cc->l);
	cc->woke_ps = vtime_now_ps();
	mlock_unlock(&cc->l);
	return NULL;
}

static void *cond_timed(void *arg)
{
	struct cond_case *cc = arg;

	mlock_lock(&cc->l);
	cc->timed_ret = mcond_timedwait(&cc->c, &cc->l, mclock_now() + 10000);
	cc->timed_ps = vtime_now_ps();
	mlock_unlock(&cc->l);
	return NULL;
}

static void run_conds(void *arg)
{
	struct cond_case *cc = arg;
	struct mthread w, tw;

	mlock_init(&cc->l, "cond", MLOCK_MODELLED);
	CHECK(mcond_init(&cc->c, COST_IRQ) == 0);
	/* A timed wait nobody signals ends at its deadline, 10 us. */
	CHECK(mthread_create(&tw, "timed", cond_timed, cc) == 0);
	mthread_join(&tw, NULL);
	CHECK(cc->timed_ret == -ETIMEDOUT && cc->timed_ps == 10000 * NS,
	      "timed wait: %d at %llu ps", cc->timed_ret, (unsigned long long)cc->timed_ps);
	/* A waiter signalled at 25 us wakes at 25 us + COST_IRQ (2 us). */
	CHECK(mthread_create(&w, "waiter", cond_waiter, cc) == 0);
	mclock_spend(15000);
	mlock_lock(&cc->l);
	cc->flag = true;
	mcond_signal(&cc->c);
	mlock_unlock(&cc->l);
	mthread_join(&w, NULL);
	CHECK(cc->woke_ps == 27000 * NS, "woke at %llu ps", (unsigned long long)cc->woke_ps);
	/* A timed wait signalled before its deadline returns 0 at the signal. */
	cc->flag = false;
	CHECK(mthread_create(&tw, "timed", cond_timed, cc) == 0);
	mclock_spend(1000);
	mlock_lock(&cc->l);
	mcond_signal(&cc->c);
	mlock_unlock(&cc->l);
	mthread_join(&tw, NULL);
	CHECK(cc->timed_ret == 0, "signalled timed wait returned %d", cc->timed_ret);
	CHECK(cc->timed_ps == 30000 * NS, "signalled at 28 us + 2: %llu ps",
	      (unsigned long long)cc->timed_ps);
	mcond_destroy(&cc->c);
	mlock_destroy(&cc->l);
}

static void test_condition_times(void)
{
	static struct cond_case cc;
	struct vtime_cfg cfg = zero_cfg();

	memset(&cc, 0, sizeof(cc));
	cfg.cost_ps[COST_IRQ] = 2000 * NS;
	REQUIRE(vtime_run(&cfg, run_conds, &cc, NULL) == 0);
}

/*
 * Regression: a timed wait signalled before its deadline leaves a stale run
 * queue entry behind; once the context has exited and been joined, that
 * entry must not be read (it was: a use-after-free the scale command hit).
 */
static void *timed_then_exit(void *arg)
{
	struct cond_case *cc = arg;

	mlock_lock(&cc->l);
	cc->timed_ret = mcond_timedwait(&cc->c, &cc->l, mclock_now() + 1000000);
	mlock_unlock(&cc->l);
	return NULL;
}

static void run_stale_entry(void *arg)
{
	struct cond_case *cc = arg;
	struct mthread tw, st;
	/* A context that stays runnable, so the stale entry is never on top early. */
	struct stepper s = { 9, 10000, 300 };

	mlock_init(&cc->l, "cond", MLOCK_MODELLED);
	CHECK(mcond_init(&cc->c, COST_IRQ) == 0);
	CHECK(mthread_create(&st, "stepper", stepper_fn, &s) == 0);
	CHECK(mthread_create(&tw, "timed", timed_then_exit, cc) == 0);
	mclock_spend(100);
	mlock_lock(&cc->l);
	mcond_signal(&cc->c);		/* long before the 1 ms deadline */
	mlock_unlock(&cc->l);
	mthread_join(&tw, NULL);	/* freed; its stale entry still queued */
	CHECK(cc->timed_ret == 0, "the timed wait returned %d", cc->timed_ret);
	for (int i = 0; i < 40; i++)
		mclock_spend(100000);	/* syncs that walk the queue past the deadline */
	mthread_join(&st, NULL);
	mcond_destroy(&cc->c);
	mlock_destroy(&cc->l);
}

static void test_signalled_timed_wait_then_exit(void)
{
	static struct cond_case cc;
	struct vtime_cfg cfg = zero_cfg();

	memset(&cc, 0, sizeof(cc));
	memset(&trace, 0, sizeof(trace));
	REQUIRE(vtime_run(&cfg, run_stale_entry, &cc, NULL) == 0);
}

/* ---- thread-locals, joins, relax ----------------------------------------- */

static _Thread_local unsigned int my_cpu;
VTIME_TLS(my_cpu)

static void *tls_fn(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	CHECK(my_cpu == 0, "a new context starts with the variable zeroed");
	my_cpu = id;
	for (int i = 0; i < 20; i++) {
		mclock_spend(7 + id);
		CHECK(my_cpu == id, "context %u sees %u", id, my_cpu);
	}
	return (void *)(uintptr_t)(id * 2);
}

static void run_tls(void *arg)
{
	struct mthread t[8];

	(void)arg;
	my_cpu = 99;
	for (unsigned int i = 0; i < 8; i++)
		CHECK(mthread_create(&t[i], "tls", tls_fn, (void *)(uintptr_t)(i + 1)) == 0);
	for (unsigned int i = 0; i < 8; i++) {
		void *r;
		uint64_t before = vtime_now_ps();

		mthread_join(&t[i], &r);
		CHECK((uintptr_t)r == (i + 1) * 2, "join returns the thread's value");
		CHECK(vtime_now_ps() >= before);
	}
	CHECK(my_cpu == 99, "the first context keeps its own copy");
}

static void test_thread_locals_are_per_context(void)
{
	struct vtime_cfg cfg = zero_cfg();

	my_cpu = 5;
	REQUIRE(vtime_run(&cfg, run_tls, NULL, NULL) == 0);
	CHECK(my_cpu == 5, "the host's value is back after the run");
}

static _Atomic int relax_flag;

static void *relax_setter(void *arg)
{
	(void)arg;
	mclock_spend(50000);	/* 50 us */
	relax_flag = 1;
	return NULL;
}

static void run_relax(void *arg)
{
	struct mthread t;
	struct vtime_stats *st = arg;
	uint64_t t0;

	relax_flag = 0;
	CHECK(mthread_create(&t, "setter", relax_setter, NULL) == 0);
	t0 = vtime_now_ps();
	while (!relax_flag)
		mclock_relax();
	CHECK(vtime_now_ps() - t0 >= 50000 * NS && vtime_now_ps() - t0 <= 50100 * NS,
	      "the spinner saw the flag at %llu ps", (unsigned long long)(vtime_now_ps() - t0));
	mthread_join(&t, NULL);
	(void)st;
}

/* A busy-wait skips ahead to the next event instead of spinning per ns. */
static void test_relax_skips_to_the_next_event(void)
{
	struct vtime_cfg cfg = zero_cfg();
	struct vtime_stats st;

	cfg.cost_ps[COST_POLL] = 20 * NS;
	REQUIRE(vtime_run(&cfg, run_relax, &st, &st) == 0);
	CHECK(st.switches < 20, "a 50 us wait took %llu switches",
	      (unsigned long long)st.switches);
}

/* ---- the command queue's hardware server: closed forms ------------------- */

struct submitter {
	struct machine *m;
	unsigned int cpu, rounds;
	uint64_t wait_ps;	/* sum of submit latencies */
	uint64_t end_ps;
};

static void *submit_fn(void *arg)
{
	struct submitter *s = arg;

	for (unsigned int i = 0; i < s->rounds; i++) {
		uint64_t t0 = vtime_now_ps();

		iommu_cmdq_submit(s->m, s->cpu, NULL, 0, true);	/* a bare CMD_SYNC */
		s->wait_ps += vtime_now_ps() - t0;
	}
	s->end_ps = vtime_now_ps();
	return NULL;
}

struct server_case {
	struct platform_profile prof;
	unsigned int n, rounds;
	struct submitter s[32];
};

static void run_server(void *arg)
{
	struct server_case *sc = arg;
	struct machine_config mc = { .mem_bytes = 16u << 20, .profile = &sc->prof };
	struct machine *m = machine_create(&mc);
	struct mthread t[32];

	REQUIRE(m);
	for (unsigned int i = 0; i < sc->n; i++) {
		sc->s[i] = (struct submitter){ m, i, sc->rounds, 0, 0 };
		CHECK(mthread_create(&t[i], "submitter", submit_fn, &sc->s[i]) == 0);
	}
	for (unsigned int i = 0; i < sc->n; i++)
		mthread_join(&t[i], NULL);
	machine_destroy(m);
}

/*
 * N CPUs each submitting a command of service time S back to back on the
 * one hardware server: the server's throughput is 1/S (the last completion
 * at N*R*S) and a submitter waits for the N-1 others ahead of it: mean
 * latency ~(N-1)*S beyond its own service.  Under every submission model.
 */
static void test_cmdq_single_server_closed_form(void)
{
	static struct server_case sc;
	static const enum cmdq_model models[] = { CMDQ_LOCKFREE, CMDQ_LOCK };
	const uint64_t S = 500;
	struct vtime_cfg cfg = zero_cfg();

	for (unsigned int mi = 0; mi < ARRAY_SIZE(models); mi++) {
		for (unsigned int n = 1; n <= 32; n *= 2) {
			uint64_t last = 0, wait = 0;
			double mean_extra;

			memset(&sc, 0, sizeof(sc));
			snprintf(sc.prof.name, sizeof(sc.prof.name), "server");
			sc.prof.iotlb_sets = 64;
			sc.prof.iotlb_ways = 4;
			sc.prof.cmdq_model = models[mi];
			sc.prof.cmdq_lock_hold = CMDQ_HOLD_BATCH;
			sc.prof.cmdq_sync_poll = CMDQ_POLL_UNLOCKED;
			sc.prof.ecmdq_cpus = 1;
			sc.prof.sync_ns = S;
			sc.n = n;
			sc.rounds = 20;
			REQUIRE(vtime_run(&cfg, run_server, &sc, NULL) == 0);
			for (unsigned int i = 0; i < n; i++) {
				if (sc.s[i].end_ps > last)
					last = sc.s[i].end_ps;
				wait += sc.s[i].wait_ps;
			}
			CHECK(last == (uint64_t)n * sc.rounds * S * NS,
			      "model %u, %u CPUs: last completion at %llu ps, want %llu", mi, n,
			      (unsigned long long)last,
			      (unsigned long long)(n * sc.rounds * S * NS));
			mean_extra = (double)wait / (n * sc.rounds) / NS - (double)S;
			CHECK(mean_extra >= 0.9 * (n - 1) * S && mean_extra <= (n - 1) * S + 1,
			      "model %u, %u CPUs: mean wait beyond service %.0f ns, want ~%llu",
			      mi, n, mean_extra, (unsigned long long)((n - 1) * S));
		}
	}
}

/* The lock model with its CPU cost only: a lock held H by N CPUs serialises to N*H. */
static void test_cmdq_lock_serialises_issue(void)
{
	static struct server_case sc;
	struct vtime_cfg cfg = zero_cfg();
	const uint64_t H = 300;

	for (unsigned int n = 1; n <= 32; n *= 4) {
		uint64_t last = 0;

		memset(&sc, 0, sizeof(sc));
		snprintf(sc.prof.name, sizeof(sc.prof.name), "lock");
		sc.prof.iotlb_sets = 64;
		sc.prof.iotlb_ways = 4;
		sc.prof.cmdq_model = CMDQ_LOCK;
		sc.prof.cmdq_lock_hold = CMDQ_HOLD_BATCH;
		sc.prof.cmdq_sync_poll = CMDQ_POLL_LOCKED;
		sc.prof.cmdq_issue_ns = H;
		sc.n = n;
		sc.rounds = 10;
		REQUIRE(vtime_run(&cfg, run_server, &sc, NULL) == 0);
		for (unsigned int i = 0; i < n; i++)
			if (sc.s[i].end_ps > last)
				last = sc.s[i].end_ps;
		CHECK(last == (uint64_t)n * sc.rounds * H * NS, "%u CPUs: %llu ps, want %llu", n,
		      (unsigned long long)last, (unsigned long long)(n * sc.rounds * H * NS));
	}
}

/* ---- misuse --------------------------------------------------------------- */

static void run_deadlock(void *arg)
{
	struct mlock l;
	struct mcond c;

	(void)arg;
	mlock_init(&l, "lonely", MLOCK_MODELLED);
	mcond_init(&c, COST_WAKEUP);
	mlock_lock(&l);
	mcond_wait(&c, &l);	/* nobody will ever signal */
}

/* Every context blocked: the run says so on stderr and aborts, never hangs. */
static void test_deadlock_is_reported(void)
{
	pid_t pid = fork();
	int status;

	REQUIRE(pid >= 0);
	if (!pid) {
		struct vtime_cfg cfg = zero_cfg();

		freopen("/dev/null", "w", stderr);
		vtime_run(&cfg, run_deadlock, NULL, NULL);
		_exit(0);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %#x", status);
}

static void nested(void *arg)
{
	int *r = arg;
	struct vtime_cfg cfg = zero_cfg();

	*r = vtime_run(&cfg, nested, NULL, NULL);
}

static void test_run_inside_a_run_refused(void)
{
	struct vtime_cfg cfg = zero_cfg();
	int r = 0;

	REQUIRE(vtime_run(&cfg, nested, &r, NULL) == 0);
	CHECK(r == -EBUSY, "nested run returned %d", r);
}

/* Real time: the same locks and conditions work on pthreads. */
static void test_real_time_locks(void)
{
	struct mlock l;
	struct mcond c;

	mlock_init(&l, "real", MLOCK_MODELLED);
	REQUIRE(mcond_init(&c, COST_WAKEUP) == 0);
	CHECK(!mlock_held(&l));
	mlock_lock(&l);
	CHECK(mlock_held(&l));
	CHECK(mcond_timedwait(&c, &l, mclock_now() + 1000000) == -ETIMEDOUT);
	CHECK(mlock_held(&l), "held again after the timed wait");
	mlock_unlock(&l);
	CHECK(!mlock_held(&l));
	mcond_destroy(&c);
	mlock_destroy(&l);
}

/* The check behind every `_locked` function: take the lock if *@arg, then assert it. */
static void assert_held_body(void *arg)
{
	bool take = *(bool *)arg;
	struct mlock l;

	mlock_init(&l, "asserted", MLOCK_MODELLED);
	if (take)
		mlock_lock(&l);
	mlock_assert_held(&l);
	if (take)
		mlock_unlock(&l);
	mlock_destroy(&l);
}

/* assert_held_body() in a child, in real or virtual time: its wait status. */
static int assert_in_child(bool take, bool virtual_time)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		freopen("/dev/null", "w", stderr);
		if (virtual_time) {
			struct vtime_cfg cfg = zero_cfg();

			vtime_run(&cfg, assert_held_body, &take, NULL);
		} else {
			assert_held_body(&take);
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* mlock_assert_held() passes for the holder and aborts anyone else, in both clocks. */
static void test_assert_held_aborts_when_not_held(void)
{
	for (int v = 0; v < 2; v++) {
		int held = assert_in_child(true, v), unheld = assert_in_child(false, v);

		CHECK(WIFEXITED(held) && WEXITSTATUS(held) == 0, "%s, held: status %#x",
		      v ? "virtual" : "real", held);
		CHECK(WIFSIGNALED(unheld) && WTERMSIG(unheld) == SIGABRT,
		      "%s, not held: status %#x", v ? "virtual" : "real", unheld);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_lowest_clock_first_and_repeatable),
		TEST(test_lock_serialises_to_n_times_hold),
		TEST(test_lock_handoff_costs),
		TEST(test_free_lock_costs_nothing),
		TEST(test_condition_times),
		TEST(test_signalled_timed_wait_then_exit),
		TEST(test_thread_locals_are_per_context),
		TEST(test_relax_skips_to_the_next_event),
		TEST(test_cmdq_single_server_closed_form),
		TEST(test_cmdq_lock_serialises_issue),
		TEST(test_deadlock_is_reported),
		TEST(test_run_inside_a_run_refused),
		TEST(test_real_time_locks),
		TEST(test_assert_held_aborts_when_not_held),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
