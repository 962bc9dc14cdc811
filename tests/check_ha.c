/*
 * check_ha.c - the HA scenario's pure parts (scenarios/builtin/ha.c): its
 * params, the failover figures from the platform's recovery log and a ping
 * timeline, counting running copies of a VM per pid namespace; the
 * failure drills' params and fence count (scenarios/builtin/drills.c);
 * the drivers' UTC time parser (scenarios/drivers/driver.c) and what the
 * ref driver reads of hvd-watchdog's log and etcd's status.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "check_suites.h"
#include "clock.h"
#include "err.h"
#include "scenarios/builtin/drills.h"
#include "scenarios/builtin/ha.h"
#include "scenarios/drivers/ref.h"

#define T0 1764145157000000000ULL	/* some wall time, ns */
#define S(x) ((uint64_t)((x) * 1e9))

/* ---- params ---- */

START_TEST(params_defaults)
{
	struct ha_params hp;
	char err[ERR_LEN];

	ck_assert_int_eq(ha_params_parse(NULL, 0, &hp, err), 0);
	ck_assert_msg(hp.hp_fault == HA_FAULT_POWER_PULL,
	    "the default fault is a power pull");
	ck_assert_msg(hp.hp_victim == HA_VICTIM_VM_HOST,
	    "the default victim is the VM's host");
	ck_assert_msg(hp.hp_power_on == 1 && hp.hp_integrity == 1,
	    "power-on afterwards and the integrity probe are on by default");
	ck_assert_msg(hp.hp_interval_ns == 100 * NS_PER_MS,
	    "pings every 100 ms by default");
	ck_assert_int_eq(hp.hp_vlan, -1);
}
END_TEST

START_TEST(params_set)
{
	struct step_param p[] = {
		{ "fault", "partition", 1 }, { "victim", "manager", 2 },
		{ "power_on", "false", 3 }, { "watch_s", "5", 4 },
		{ "interval_ms", "50", 5 }, { "timeout_s", "90", 6 },
		{ "memory_mib", "256", 7 }, { "vlan", "10", 8 },
		{ "integrity", "no", 9 }, { "ha_fencing", "bmc", 10 },
	};
	struct ha_params hp;
	char err[ERR_LEN];

	ck_assert_int_eq(ha_params_parse(p, 10, &hp, err), 0);
	ck_assert_str_eq(hp.hp_fencing, "bmc");
	ck_assert(hp.hp_fault == HA_FAULT_PARTITION);
	ck_assert(hp.hp_victim == HA_VICTIM_MANAGER);
	ck_assert_int_eq(hp.hp_power_on, 0);
	ck_assert(hp.hp_watch_ns == 5 * NS_PER_S);
	ck_assert(hp.hp_interval_ns == 50 * NS_PER_MS);
	ck_assert(hp.hp_timeout_ns == 90 * NS_PER_S);
	ck_assert_int_eq(hp.hp_memory_mib, 256);
	ck_assert_int_eq(hp.hp_vlan, 10);
	ck_assert_int_eq(hp.hp_integrity, 0);
}
END_TEST

static const struct {
	const char *key, *value, *msg;
} bad_params[] = {
	{ "fault", "unplug", "params: fault: 'unplug' is not power-pull or "
	    "partition" },
	{ "victim", "host1", "params: victim: 'host1' is not vm-host or "
	    "manager" },
	{ "power_on", "maybe", "params: power_on: 'maybe' is not true or "
	    "false" },
	{ "watch_s", "-1", "params: watch_s: '-1' is not an integer in "
	    "0..600" },
	{ "interval_ms", "5ms", "params: interval_ms: '5ms' is not an "
	    "integer in 10..1000" },
	{ "vlan", "4095", "params: vlan: '4095' is not an integer in "
	    "0..4094" },
	{ "ha_fencing", "ipmi", "params: ha_fencing: 'ipmi' is not "
	    "watchdog, bmc or both" },
	{ "hosts", "host1", "params: unknown key 'hosts' (fault, victim, "
	    "power_on, watch_s, interval_ms, timeout_s, memory_mib, vlan, "
	    "integrity, ha_fencing)" },
};

START_TEST(params_bad)
{
	struct step_param p = { (char *)bad_params[_i].key,
	    (char *)bad_params[_i].value, 1 };
	struct ha_params hp;
	char err[ERR_LEN] = "";

	ck_assert_int_eq(ha_params_parse(&p, 1, &hp, err), -1);
	ck_assert_msg(strcmp(err, bad_params[_i].msg) == 0,
	    "a bad value is named with its key and what it accepts: '%s'",
	    err);
}
END_TEST

/* ---- a host powered off by its BMC (the lab's events.jsonl) ---- */

#define EV(ev, host, src, t) "{\"lab\":\"l\",\"event\":\"" ev "\"," \
	"\"args\":\"" host "\"," src "\"mono_ns\":1,\"wall_ns\":" t "," \
	"\"wall\":\"x\"}\n"
#define BMC "\"source\":\"bmc\","

START_TEST(bmc_off_events)
{
	const char *ev = EV("partition", "host2", "", "100")
	    EV("power-pull", "host2", BMC, "50")	/* before the fault */
	    EV("power-pull", "host3", BMC, "150")	/* another host */
	    EV("power-pull", "host2", "", "160")	/* not its BMC */
	    EV("power-pull", "host2", BMC, "170")
	    EV("heal", "", "", "180");
	const char *on = EV("power-pull", "host2", BMC, "170")
	    EV("power-on", "host2", BMC, "175");
	uint64_t t = 0;

	ck_assert_msg(ha_bmc_off_at(ev, "host2", 100, &t) == 1 && t == 170,
	    "the host's BMC power-pull after the fault is found (%llu)",
	    (unsigned long long)t);
	t = 0;
	ck_assert_msg(ha_bmc_off_at(ev, "host1", 100, &t) == 0 && t == 0,
	    "a host its BMC left alone is not off");
	ck_assert_msg(ha_bmc_off_at(on, "host2", 100, &t) == 0 && t == 170,
	    "a host its BMC powered on again is not off, the power-off "
	    "still counts");
	ck_assert_msg(ha_bmc_off_at("not json\n", "host2", 0, &t) == 0,
	    "a line that is not JSON is skipped");
}
END_TEST

/* ---- figures ---- */

/* Replies every 100 ms (RTT 1 ms) from 0 to before_s and from after_s
 * to end_s; requests in between go unanswered. */
static size_t
timeline(struct ping_slot *s, size_t max, double before_s, double after_s,
    double end_s)
{
	size_t n;
	double t;

	for (n = 0; (t = (double)n / 10) < end_s - 1e-9 && n < max; n++) {
		s[n].ps_sent_ns = T0 + S(t);
		s[n].ps_replies = t < before_s - 1e-9 || t >= after_s - 1e-9;
		s[n].ps_recv_ns = s[n].ps_replies ? T0 + S(t + 0.001) : 0;
	}
	return n;
}

START_TEST(figures_power_pull)
{
	struct ping_slot s[300];
	struct ha_times t = { T0 + S(2.0), T0 + S(8.3), T0 + S(9.3),
	    T0 + S(10.5), T0 + S(8.8) };
	struct ha_figs f;
	size_t n = timeline(s, 300, 2.0, 13.0, 20.0);

	ha_figures(&t, s, n, &f);
	ck_assert_msg(f.hf_detect_s > 6.29 && f.hf_detect_s < 6.31,
	    "detect_s is the fault to the platform's detection (%g)",
	    f.hf_detect_s);
	ck_assert_msg(f.hf_restart_s > 7.29 && f.hf_restart_s < 7.31,
	    "restart_s is the fault to the restart decision");
	ck_assert_msg(f.hf_failover_s > 11.0 && f.hf_failover_s < 11.002,
	    "failover_s is the fault to the first reply after it (%g)",
	    f.hf_failover_s);
	ck_assert_msg(f.hf_boot_s > 3.70 && f.hf_boot_s < 3.702,
	    "boot_s is the restart decision to the first reply (%g)",
	    f.hf_boot_s);
	ck_assert_msg(f.hf_started_s > 8.49 && f.hf_started_s < 8.51,
	    "started_s is the fault to the platform's running");
	ck_assert_msg(f.hf_fence_done_s > 6.79 && f.hf_fence_done_s < 6.81,
	    "fence_done_s is the fault to the platform's fence (%g)",
	    f.hf_fence_done_s);
	ck_assert_msg(f.hf_last_reply_s < 0 && f.hf_last_reply_s > -0.2,
	    "the last reply before the fault is just before it (%g)",
	    f.hf_last_reply_s);
}
END_TEST

START_TEST(figures_late_replies)
{
	struct ping_slot s[300];
	struct ha_times t = { T0 + S(2.0), T0 + S(8.0), T0 + S(9.0), 0, 0 };
	struct ha_figs f;
	size_t n = timeline(s, 300, 2.0, 12.0, 20.0);

	/* The lost copy answered a request sent just before the fault,
	 * after it; and one sent just after (its host dying) - before any
	 * restart.  Neither is the restarted VM. */
	s[19].ps_replies = 1;
	s[19].ps_recv_ns = T0 + S(2.05);
	s[20].ps_replies = 1;
	s[20].ps_recv_ns = T0 + S(2.02);
	s[20].ps_sent_ns = T0 + S(2.01);
	ha_figures(&t, s, n, &f);
	ck_assert_msg(f.hf_failover_s > 10.0 && f.hf_failover_s < 10.002,
	    "replies from the lost copy do not end the failover (%g)",
	    f.hf_failover_s);
	ck_assert_msg(f.hf_started_s < 0, "no running step, no started_s");
}
END_TEST

START_TEST(figures_no_platform_times)
{
	struct ping_slot s[300];
	struct ha_times t = { T0 + S(2.0), 0, 0, 0, 0 };
	struct ha_figs f;
	size_t n = timeline(s, 300, 2.0, 12.0, 20.0);

	ha_figures(&t, s, n, &f);
	ck_assert_msg(f.hf_failover_s > 10.0 && f.hf_failover_s < 10.002,
	    "without the platform's times the first reply after the fault "
	    "is the failover");
	ck_assert_msg(f.hf_detect_s < 0 && f.hf_restart_s < 0 &&
	    f.hf_boot_s < 0, "no platform times: no detect, restart, boot");
}
END_TEST

START_TEST(figures_never_back)
{
	struct ping_slot s[300];
	struct ha_times t = { T0 + S(2.0), T0 + S(8.0), T0 + S(9.0), 0, 0 };
	struct ha_figs f;
	size_t n = timeline(s, 300, 2.0, 99.0, 20.0);

	ha_figures(&t, s, n, &f);
	ck_assert_msg(f.hf_failover_s < 0 && f.hf_boot_s < 0,
	    "a VM that never answers again has no failover time");
	ck_assert(f.hf_first_reply_ns == 0);
	ck_assert(f.hf_detect_s > 5.99);
}
END_TEST

START_TEST(times_from_log)
{
	struct drv_ha_status hs;
	struct ha_times t;

	memset(&hs, 0, sizeof(hs));
	/* An earlier recovery (before this fault), then this one. */
	hs.hs_events[0] = (struct drv_ha_event){ DRV_HA_DETECTED,
	    "lease-expired", T0 - S(100), "host1" };
	hs.hs_events[1] = (struct drv_ha_event){ DRV_HA_RESTART, "claimed",
	    T0 - S(99), "host2" };
	hs.hs_events[2] = (struct drv_ha_event){ DRV_HA_STARTED, "running",
	    T0 - S(95), "host2" };
	hs.hs_events[3] = (struct drv_ha_event){ DRV_HA_DETECTED,
	    "lease-expired", T0 + S(6), "host2" };
	hs.hs_events[4] = (struct drv_ha_event){ DRV_HA_FENCED, "fenced",
	    T0 + S(7), "host2" };
	hs.hs_events[5] = (struct drv_ha_event){ DRV_HA_RESTART, "claimed",
	    T0 + S(7), "host3" };
	hs.hs_events[6] = (struct drv_ha_event){ DRV_HA_OTHER,
	    "start-queued", T0 + S(7.2), "host3" };
	hs.hs_events[7] = (struct drv_ha_event){ DRV_HA_STARTED, "running",
	    T0 + S(9), "host3" };
	hs.hs_events[8] = (struct drv_ha_event){ DRV_HA_STARTED, "running",
	    T0 + S(30), "host3" };
	hs.hs_nevents = 9;
	memset(&t, 0, sizeof(t));
	t.ht_fault = T0;
	ha_times_from_status(&hs, &t);
	ck_assert_msg(t.ht_detected == T0 + S(6),
	    "steps logged before the fault are not this recovery's");
	ck_assert(t.ht_restart == T0 + S(7));
	ck_assert_msg(t.ht_fenced == T0 + S(7),
	    "the platform's fence after the fault is this recovery's");
	ck_assert_msg(t.ht_started == T0 + S(9),
	    "the first running after the fault is the restart's");
}
END_TEST

/* ---- copies ---- */

START_TEST(copies_daemonize)
{
	/* ns 11 = host1, 12 = host2, 13 = some other lab's host */
	const uint64_t ns[] = { 11, 12 };
	const struct ha_proc p[] = {
		{ 100, 1, 11, 0, 0 },	/* hvd */
		{ 200, 100, 11, 1, 0 },	/* QEMU -daemonize parent: no vCPU */
		{ 201, 1, 11, 1, 1 },	/* its grandchild: the copy */
		{ 300, 1, 12, 1, 2 },	/* a copy on host2 (2 vCPUs) */
		{ 400, 1, 13, 1, 1 },	/* not this lab */
		{ 500, 300, 12, 0, 0 },	/* a helper, no match */
	};
	int per[2];

	ck_assert_int_eq(ha_count_copies(p, 6, ns, 2, per), 2);
	ck_assert_msg(per[0] == 1,
	    "QEMU's daemonize parent runs no vCPU: one copy on host1");
	ck_assert_int_eq(per[1], 1);
	ck_assert_msg(ha_count_copies(p, 6, ns, 1, NULL) == 1,
	    "copies in namespaces outside the lab do not count");
}
END_TEST

START_TEST(copies_two_on_one_host)
{
	/* Two QEMUs of one VM on one host are two copies, not one. */
	const uint64_t ns[] = { 11, 12 };
	const struct ha_proc p[] = {
		{ 19642, 1, 11, 1, 1 },
		{ 19664, 1, 11, 1, 1 },
	};
	int per[2];

	ck_assert_msg(ha_count_copies(p, 2, ns, 2, per) == 2,
	    "two running copies on one host count as two");
	ck_assert_msg(per[0] == 2 && per[1] == 0, "both on host1");
	ck_assert_int_eq(ha_count_copies(p, 0, ns, 2, NULL), 0);
}
END_TEST

/* ---- drv_parse_utc ---- */

START_TEST(utc_parse)
{
	uint64_t ns = 0;

	ck_assert_int_eq(drv_parse_utc("2026-11-26T08:19:17.928Z", &ns), 0);
	ck_assert_msg(ns == 1795681157928000000ULL,
	    "hvd's log time is read to the ms (%llu)",
	    (unsigned long long)ns);
	ck_assert_int_eq(drv_parse_utc("1970-01-01T00:00:01Z", &ns), 0);
	ck_assert(ns == NS_PER_S);
	ck_assert_int_eq(drv_parse_utc("1970-01-01T00:00:00.000000001Z",
	    &ns), 0);
	ck_assert(ns == 1);
	ck_assert_int_eq(drv_parse_utc("2026-11-26 08:19:17Z", &ns), -1);
	ck_assert_int_eq(drv_parse_utc("2026-11-26T08:19:17", &ns), -1);
	ck_assert_int_eq(drv_parse_utc("2026-13-26T08:19:17Z", &ns), -1);
	ck_assert_int_eq(drv_parse_utc("2026-11-26T08:19:17.Z", &ns), -1);
	ck_assert_int_eq(drv_parse_utc("", &ns), -1);
	ck_assert_int_eq(drv_parse_utc(NULL, &ns), -1);
}
END_TEST

/* ---- vCPUs that run ---- */

START_TEST(vcpus_paused_and_running)
{
	struct ha_vcpu_hist h;

	memset(&h, 0, sizeof(h));
	ck_assert_msg(ha_vcpus_running(&h, 1000) == 0,
	    "a QEMU seen once is not yet known to run");
	ck_assert_msg(ha_vcpus_running(&h, 5000) == 0,
	    "one period with vCPU time is not enough (a switchover)");
	ck_assert_msg(ha_vcpus_running(&h, 9000) == 1,
	    "vCPU time in two periods in a row is a running copy");
	ck_assert_msg(ha_vcpus_running(&h, 9000) == 0,
	    "a paused QEMU's vCPU threads do not run: not a copy");
	ck_assert_msg(ha_vcpus_running(&h, 9500) == 0,
	    "after a pause it runs again only after two periods");
	ck_assert_msg(ha_vcpus_running(&h, 9900) == 1,
	    "and then it is a copy again");
}
END_TEST

START_TEST(vcpus_incoming_never_runs)
{
	struct ha_vcpu_hist h;
	int i, any = 0;

	memset(&h, 0, sizeof(h));
	/* a migration's target waits with -incoming: its vCPU threads
	 * got a little time when made, then none */
	any |= ha_vcpus_running(&h, 40000);
	for (i = 0; i < 20; i++)
		any |= ha_vcpus_running(&h, 40000);
	ck_assert_msg(any == 0, "an -incoming QEMU is never a running copy");
}
END_TEST

/* ---- drills ---- */

START_TEST(drill_params_ok)
{
	struct step_param p[] = {
		{ "drill", "storage-down", 1 }, { "down_s", "12", 2 },
		{ "victim", "manager", 3 }, { "watch_s", "20", 4 },
		{ "migrate_kib_s", "512", 5 },
	};
	struct drill_params dp;
	char err[ERR_LEN] = "";

	ck_assert_msg(drill_params_parse(p, 5, &dp, err) == 0, "%s", err);
	ck_assert_msg(dp.dp_kind == DRILL_STORAGE_DOWN, "drill: storage-down");
	ck_assert_msg(dp.dp_down_ns == 12 * NS_PER_S, "down_s in ns");
	ck_assert_msg(dp.dp_bandwidth == 512 * 1024, "KiB/s in bytes/s");
	ck_assert_msg(dp.dp_ha.hp_victim == HA_VICTIM_MANAGER &&
	    dp.dp_ha.hp_watch_ns == 20 * NS_PER_S,
	    "the ha drill's keys go to its own parser");
	ck_assert_str_eq(drill_kind_name(dp.dp_kind), "storage-down");
	ck_assert_msg(drill_params_parse(p, 1, &dp, err) == 0 &&
	    dp.dp_down_ns == 10 * NS_PER_S &&
	    dp.dp_bandwidth == 2048 * 1024,
	    "down_s is 10 and migrate_kib_s 2048 unless set");
	ck_assert_msg(dp.dp_step_s == 30, "step_s is 30 unless set");
}
END_TEST

START_TEST(drill_params_clock)
{
	struct step_param p[] = {
		{ "drill", "clock-step", 1 }, { "step_s", "45", 2 },
		{ "victim", "manager", 3 },
	};
	struct drill_params dp;
	char err[ERR_LEN] = "";

	ck_assert_msg(drill_params_parse(p, 3, &dp, err) == 0, "%s", err);
	ck_assert_msg(dp.dp_kind == DRILL_CLOCK_STEP, "drill: clock-step");
	ck_assert_msg(dp.dp_step_s == 45, "step_s in seconds");
	ck_assert_msg(dp.dp_ha.hp_victim == HA_VICTIM_MANAGER,
	    "victim goes to the ha drill's parser");
	ck_assert_str_eq(drill_kind_name(dp.dp_kind), "clock-step");
}
END_TEST

static const struct {
	const char *key, *value, *msg;
} bad_drill[] = {
	{ "drill", "meteor", "params: drill: 'meteor' is not "
	    "migrate-pull-source, migrate-pull-target, storage-down, "
	    "daemon-kill, leader-partition, manager-recovery or clock-step" },
	{ "step_s", "0", "params: step_s: '0' is not an integer in 1..3600" },
	{ "step_s", "3601", "params: step_s: '3601' is not an integer in "
	    "1..3600" },
	{ "step_s", "30s", "params: step_s: '30s' is not an integer in "
	    "1..3600" },
	{ "down_s", "0", "params: down_s: '0' is not an integer in 1..600" },
	{ "migrate_kib_s", "2k", "params: migrate_kib_s: '2k' is not an "
	    "integer in 64..10485760" },
	{ "fault", "flood", "params: fault: 'flood' is not power-pull or "
	    "partition" },
};

START_TEST(drill_params_bad)
{
	struct step_param p[] = {
		{ "drill", "daemon-kill", 1 },
		{ (char *)bad_drill[_i].key, (char *)bad_drill[_i].value, 2 },
	};
	struct drill_params dp;
	char err[ERR_LEN] = "";

	ck_assert_int_eq(drill_params_parse(p, 2, &dp, err), -1);
	ck_assert_msg(strcmp(err, bad_drill[_i].msg) == 0,
	    "a bad value is named with its key and what it accepts: '%s'",
	    err);
}
END_TEST

START_TEST(drill_params_no_kind)
{
	struct step_param p = { "down_s", "5", 1 };
	struct drill_params dp;
	char err[ERR_LEN] = "";

	ck_assert_int_eq(drill_params_parse(&p, 1, &dp, err), -1);
	ck_assert_msg(strstr(err, "params: drill: missing") == err,
	    "a drill without its kind is named: '%s'", err);
}
END_TEST

START_TEST(drill_fences)
{
	struct drv_fence f[] = {
		{ "web", T0 - S(60) }, { "web", T0 + S(3) }, { "db", T0 + S(4) },
	};
	int spurious = 0, victim = 0;

	drill_count_fences("host2", "host1", f, 3, T0, &spurious, &victim);
	ck_assert_msg(spurious == 2 && victim == 0,
	    "fences on a host the fault did not hit are spurious; one "
	    "before the drill is not counted (%d, %d)", spurious, victim);
	drill_count_fences("host1", "host1", f, 3, T0, &spurious, &victim);
	ck_assert_msg(spurious == 2 && victim == 2,
	    "fences on the fault's host are the victim's (%d, %d)", spurious,
	    victim);
	drill_count_fences("host1", "", f, 3, T0, &spurious, &victim);
	ck_assert_msg(spurious == 4, "with no host hit, every fence is "
	    "spurious (%d)", spurious);
}
END_TEST

START_TEST(ref_watchdog_log)
{
	const char *log =
	    "2026-11-26T08:19:17.100Z hvd-watchdog[77]: mono_ns=5 started, "
	    "feed /run/hvd/ha-feed\n"
	    "2026-11-26T08:19:19.122Z hvd-watchdog[77]: mono_ns=9 FENCE vm "
	    "web pid 412 killed (0.050 s past the deadline, last feed 4.1 s "
	    "ago)\n"
	    "2026-11-26T08:19:19.222Z hvd-watchdog[77]: mono_ns=9 FENCE vm "
	    "db pid 413: kill: No such process\n"
	    "garbage FENCE vm x pid 1 killed\n"
	    "2026-11-26T08:19:20.000Z hvd-watchdog[77]: mono_ns=10 FENCE vm "
	    "db pid 414 killed (0.1 s past the deadline, last feed 5 s ago)";
	struct drv_fence *f = NULL;
	uint64_t t;
	size_t n;

	ck_assert_int_eq(ref_fences_parse(log, &f, &n), 0);
	ck_assert_msg(n == 2, "two kills, not the failed kill nor a line "
	    "without a time (%zu)", n);
	ck_assert_str_eq(f[0].f_vm, "web");
	ck_assert_str_eq(f[1].f_vm, "db");
	ck_assert_int_eq(drv_parse_utc("2026-11-26T08:19:19.122Z", &t), 0);
	ck_assert_msg(f[0].f_wall_ns == t, "a fence's time is its line's");
	free(f);
	ck_assert_int_eq(ref_fences_parse("", &f, &n), 0);
	ck_assert_msg(n == 0, "an empty log has no fence");
	free(f);
}
END_TEST

START_TEST(ref_etcd_leader)
{
	ck_assert_int_eq(ref_leader_parse("{\"header\":{\"member_id\":\"12\","
	    "\"raft_term\":\"3\"},\"leader\":\"12\"}"), 1);
	ck_assert_int_eq(ref_leader_parse("{\"header\":{\"member_id\":\"12\"},"
	    "\"leader\":\"99\"}"), 0);
	ck_assert_msg(ref_leader_parse("{\"leader\":\"99\"}") == -1 &&
	    ref_leader_parse("not json") == -1,
	    "an answer without both ids says nothing");
}
END_TEST


/* ---- the copy scan over SSH: its command and its answers ---- */

START_TEST(rscan_parse_answer)
{
	/* a -daemonize parent waiting, its child running two vCPUs */
	const char *out = "P 812 1\nT 5000 qemu-system-x86\n"
	    "P 815 812\nT 9000 qemu-system-x86\nT 700 CPU 0/TCG\n"
	    "T 300 CPU 1/TCG\nT 10 IO mon_iothread\nE\n";
	struct ha_rproc p[4];
	char err[ERR_LEN];
	size_t n;

	ck_assert_int_eq(ha_rscan_parse(out, p, 4, &n, err), 0);
	ck_assert_msg(n == 2, "two processes name the VM");
	ck_assert_msg(p[0].rp_pid == 812 && p[0].rp_ppid == 1 &&
	    p[0].rp_vcpus == 0, "the parent runs no vCPU");
	ck_assert_msg(p[1].rp_pid == 815 && p[1].rp_ppid == 812 &&
	    p[1].rp_vcpus == 2 && p[1].rp_vcpu_ns == 1000,
	    "the child's vCPU threads and their summed run time");
	ck_assert_int_eq(ha_rscan_parse("E\n", p, 4, &n, err), 0);
	ck_assert_msg(n == 0, "a host without the VM answers only its end");
}
END_TEST

static const struct {
	const char *out, *msg;
} bad_answers[] = {
	{ "", "ends without its end line" },
	{ "P 812 1\nT 700 CPU 0/TCG\n", "ends without its end line" },
	{ "P 812\nE\n", "line 1: not 'P PID PPID'" },
	{ "P 812 1\nT x CPU 0/TCG\nE\n", "line 2: not 'T NS COMM'" },
	{ "P 812 1\nT 700\nE\n", "line 2: not 'T NS COMM'" },
	{ "T 700 CPU 0/TCG\nE\n", "line 1 unexpected" },
	{ "Permission denied\nE\n", "line 1 unexpected" },
	{ "E\nP 1 0\n", "line 2 after the end line" },
	{ "P 1 0\nP 2 0\nP 3 0\nE\n", "more than 2 processes" },
};

START_TEST(rscan_parse_bad)
{
	struct ha_rproc p[2];
	char err[ERR_LEN] = "";
	size_t n;

	ck_assert_msg(ha_rscan_parse(bad_answers[_i].out, p, 2, &n, err) ==
	    -1, "a malformed answer is an error, never 0 copies (%d)", _i);
	ck_assert_msg(strstr(err, bad_answers[_i].msg) != NULL,
	    "the error says '%s': %s", bad_answers[_i].msg, err);
}
END_TEST

START_TEST(rscan_running_history)
{
	struct ha_rproc q = { 815, 812, 2, 100 };
	struct ha_vcpu_hist h[1];
	int pid[1];
	size_t n = 0;

	ck_assert_msg(!ha_rscan_running(pid, h, &n, 1, &q),
	    "a QEMU first seen has no history: not running yet");
	q.rp_vcpu_ns = 200;
	ck_assert_msg(!ha_rscan_running(pid, h, &n, 1, &q),
	    "one period of growth is not enough");
	q.rp_vcpu_ns = 300;
	ck_assert_msg(ha_rscan_running(pid, h, &n, 1, &q),
	    "two periods of growth: it runs");
	ck_assert_msg(!ha_rscan_running(pid, h, &n, 1, &q),
	    "no growth (paused): it does not run");
	q.rp_pid = 900;
	ck_assert_msg(ha_rscan_running(pid, h, &n, 1, &q),
	    "a QEMU past the kept history counts");
}
END_TEST

START_TEST(rscan_script_finds_process)
{
	char script[512], out[4096], err[ERR_LEN];
	int pfd[2];
	pid_t child, sh;
	struct ha_rproc p[8];
	size_t n = 0, len = 0, i;
	int found = 0;

	ck_assert_int_eq(ha_rscan_script("ck-vm_1", script, sizeof(script),
	    err), 0);
	/* a process whose command line names the VM, as QEMU's -append */
	child = fork();
	ck_assert_msg(child >= 0, "fork");
	if (child == 0) {
		execlp("sh", "sh", "-c", "sleep 30; :",
		    "console=ttyS0 hvlab.name=ck-vm_1 hvlab.ip=x", (char *)NULL);
		_exit(127);
	}
	usleep(200000);
	/* run it the way a host does: sh -c SCRIPT */
	ck_assert_int_eq(pipe(pfd), 0);
	if ((sh = fork()) == 0) {
		dup2(pfd[1], 1);
		execlp("sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(out) - 1) {
		ssize_t k = read(pfd[0], out + len, sizeof(out) - 1 - len);

		if (k <= 0)
			break;
		len += (size_t)k;
	}
	out[len] = '\0';
	close(pfd[0]);
	waitpid(sh, NULL, 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	ck_assert_msg(ha_rscan_parse(out, p, 8, &n, err) == 0,
	    "the script's answer parses: %s (%s)", err, out);
	for (i = 0; i < n; i++)
		if (p[i].rp_pid == child && p[i].rp_ppid == getpid())
			found = 1;
	ck_assert_msg(found && n == 1, "the script finds the process naming "
	    "the VM, and only it (not itself): %s", out);
	ck_assert_int_eq(ha_rscan_script("vm;rm", script, sizeof(script),
	    err), -1);
	ck_assert_msg(strstr(err, "'vm;rm' has ';'") != NULL,
	    "a VM name the command cannot carry is named: %s", err);
}
END_TEST

Suite *
make_ha_suite(void)
{
	Suite *s = suite_create("ha");
	TCase *tc = tcase_create("params");

	tcase_add_test(tc, params_defaults);
	tcase_add_test(tc, params_set);
	tcase_add_loop_test(tc, params_bad, 0,
	    sizeof(bad_params) / sizeof(bad_params[0]));
	tcase_add_test(tc, bmc_off_events);
	suite_add_tcase(s, tc);
	tc = tcase_create("figures");
	tcase_add_test(tc, figures_power_pull);
	tcase_add_test(tc, figures_late_replies);
	tcase_add_test(tc, figures_no_platform_times);
	tcase_add_test(tc, figures_never_back);
	tcase_add_test(tc, times_from_log);
	suite_add_tcase(s, tc);
	tc = tcase_create("copies");
	tcase_add_test(tc, copies_daemonize);
	tcase_add_test(tc, copies_two_on_one_host);
	suite_add_tcase(s, tc);
	tc = tcase_create("vcpus");
	tcase_add_test(tc, vcpus_paused_and_running);
	tcase_add_test(tc, vcpus_incoming_never_runs);
	suite_add_tcase(s, tc);
	tc = tcase_create("copies over SSH");
	tcase_add_test(tc, rscan_parse_answer);
	tcase_add_loop_test(tc, rscan_parse_bad, 0,
	    sizeof(bad_answers) / sizeof(bad_answers[0]));
	tcase_add_test(tc, rscan_running_history);
	tcase_add_test(tc, rscan_script_finds_process);
	suite_add_tcase(s, tc);
	tc = tcase_create("drills");
	tcase_add_test(tc, drill_params_ok);
	tcase_add_test(tc, drill_params_clock);
	tcase_add_loop_test(tc, drill_params_bad, 0,
	    sizeof(bad_drill) / sizeof(bad_drill[0]));
	tcase_add_test(tc, drill_params_no_kind);
	tcase_add_test(tc, drill_fences);
	tcase_add_test(tc, ref_watchdog_log);
	tcase_add_test(tc, ref_etcd_leader);
	suite_add_tcase(s, tc);
	tc = tcase_create("utc");
	tcase_add_test(tc, utc_parse);
	suite_add_tcase(s, tc);
	return s;
}
