/*
 * probe_cmd.c - `hvlab probe ping|tcp|integrity`: run one probe from the
 * command line, print its one-line summary and write its JSON (and CSV)
 * timeline.
 *
 * The probes are libraries (ping.h, tcp.h, integrity.h) that the scenario
 * runner starts in the background; this file only parses options, waits
 * for the duration or for SIGINT/SIGTERM, and writes the results.  `probe
 * pcap` computes the ping figures from a capture file instead.  Exit
 * status: 0 measured, 1 misuse, 2 the probe could not run, 3 (integrity)
 * acknowledged writes were lost.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cmd.h"
#include "err.h"
#include "probes/probe_cmd.h"
#include "json.h"
#include "log.h"
#include "probes/integrity.h"
#include "probes/ping.h"
#include "probes/tcp.h"
#include "probes/throughput.h"

static int probe_ping_cmd(int argc, char **argv);
static int probe_tcp_cmd(int argc, char **argv);
static int probe_integrity_cmd(int argc, char **argv);
static int probe_pcap_cmd(int argc, char **argv);

static const struct cmd probe_cmds[] = {
	{ "ping", probe_ping_cmd, "--to ADDR [--interval MS] [--duration S] "
	    "[--json FILE] [--csv FILE] [--netns NAME] [--iface IF] "
	    "[--events FILE] [--batch] [--no-realtime] [--no-timeline]",
	    "ICMP echo every interval, timed by libpcap: loss, downtime, RTT" },
	{ "tcp", probe_tcp_cmd, "--to ADDR [--port P] [--interval MS] "
	    "[--duration S] [--timeout S] [--reconnect] [--json FILE] "
	    "[--netns NAME]",
	    "one TCP session to the guest agent: stalls, survived or not" },
	{ "integrity", probe_integrity_cmd, "--to ADDR [--dev DEV] "
	    "[--interval MS] [--duration S] [--silence S] [--wait S] "
	    "[--json FILE] [--netns NAME]",
	    "journal writes until the VM dies, then count lost acked writes" },
	{ "pcap", probe_pcap_cmd, "FILE --to ADDR [--ident N] [--interval MS] "
	    "[--json FILE] [--csv FILE] [--no-timeline]",
	    "the ping figures from a capture file (tcpdump -w)" },
	{ "throughput", probe_throughput_cmd, "--to ADDR [--port P] "
	    "[--flows N] [--duration S] [--json FILE] [--netns NAME] | "
	    "--listen [ADDR] [--port P] [--count N] [--timeout S]",
	    "N parallel TCP flows to a sink: Mbit/s received, per flow" },
	{ NULL, NULL, NULL, NULL }
};

int
probe_cmd_main(int argc, char **argv)
{
	return cmd_dispatch("hvlab probe", probe_cmds, argc - 1, argv + 1);
}

/*
 * A duration given as a plain number in `unit_ns` units ("10" = 10 ms for
 * --interval, "1.5" = 1.5 s for --duration) or with an explicit unit
 * ("500us", "2s").
 */
static int
parse_dur(const char *opt, const char *s, uint64_t unit_ns, uint64_t *ns,
    char *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '\0' && errno == 0) {
		if (!(v >= 0))
			return err_set(err, "%s: '%s' is out of range", opt, s);
		if (v * (double)unit_ns > (double)CLOCK_DURATION_MAX_NS)
			return err_set(err, "%s: '%s' is too long (at most "
			    "%lluh)", opt, s,
			    CLOCK_DURATION_MAX_NS / (3600 * NS_PER_S));
		*ns = (uint64_t)llround(v * (double)unit_ns);
		return 0;
	}
	if (clock_parse_duration(s, ns, err) == -1)
		return err_prefix(err, "%s", opt);
	return 0;
}

static int
parse_port(const char *s, int *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* Block SIGINT and SIGTERM (threads started later inherit the mask) so
 * that the command stops its probe cleanly on them. */
static void
signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* 1 when SIGINT/SIGTERM arrived within ms. */
static int
signals_wait(const sigset_t *set, long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	return sigtimedwait(set, NULL, &ts) > 0;
}

/* Write doc to path and free it. */
static int
write_json(const char *path, cJSON *doc, char *err)
{
	int rc;

	if (doc == NULL)
		return err_set(err, "%s: out of memory building JSON", path);
	rc = json_write_file(path, doc, err);
	cJSON_Delete(doc);
	return rc;
}

/* Say why the command line is wrong (err, when getopt has not said it
 * already) and print the usage: exit status 1. */
static int
probe_misuse(const char *name, const char *err)
{
	if (err[0] != '\0')
		fprintf(stderr, "hvlab probe %s: %s\n", name, err);
	return cmd_misuse("hvlab probe", probe_cmds, name);
}

/* What a command's option parser decided: run, or exit 0 on --help, or
 * exit 1 (err says why unless getopt said it). */
enum { PARSE_RUN, PARSE_HELP, PARSE_MISUSE };

/* --to ADDR given and no operands left. */
static int
check_target(const char *target, int argc, char **argv, char *err)
{
	if (target != NULL && optind == argc)
		return 0;
	return err_set(err, target == NULL ? "--to ADDR is required" :
	    "unexpected argument '%s'", argv[optind]);
}

static int
check_interval(uint64_t interval_ns, char *err)
{
	if (interval_ns != 0 && (interval_ns < PING_INTERVAL_MIN_NS ||
	    interval_ns > PING_INTERVAL_MAX_NS))
		return err_set(err, "--interval must be 1 .. 1000 ms");
	return 0;
}

/* Write the JSON and CSV files of a ping result. */
static int
ping_result_write(const struct probe_ping_result *r, const char *json,
    const char *csv, int timeline)
{
	char err[ERR_LEN];

	if (json != NULL && write_json(json, probe_ping_result_json(r,
	    timeline), err) == -1)
		goto fail;
	if (csv != NULL && probe_ping_write_csv(r, csv, err) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("%s", err);
	return -1;
}

/* `probe ping`: its options, then what it writes. */
struct ping_cmd {
	struct probe_ping_opts pc_opts;
	const char *pc_json;
	const char *pc_csv;
	int pc_timeline;
};

static int
ping_cmd_parse(int argc, char **argv, struct ping_cmd *c, char *err)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "csv", required_argument, NULL, 'c' },
		{ "netns", required_argument, NULL, 'n' },
		{ "iface", required_argument, NULL, 'I' },
		{ "events", required_argument, NULL, 'e' },
		{ "payload", required_argument, NULL, 'p' },
		{ "no-timeline", no_argument, NULL, 'T' },
		{ "batch", no_argument, NULL, 'B' },
		{ "no-realtime", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct probe_ping_opts *o = &c->pc_opts;
	uint64_t v;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:i:d:j:c:n:I:e:p:TBRh",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 't': o->target = optarg; break;
		case 'i':
			if (parse_dur("--interval", optarg, NS_PER_MS,
			    &o->interval_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'd':
			if (parse_dur("--duration", optarg, NS_PER_S,
			    &o->duration_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'j': c->pc_json = optarg; break;
		case 'c': c->pc_csv = optarg; break;
		case 'n': o->netns = optarg; break;
		case 'I': o->iface = optarg; break;
		case 'e': o->events_file = optarg; break;
		case 'p':
			if (parse_dur("--payload", optarg, 1, &v, err) == -1)
				return PARSE_MISUSE;
			o->payload = (size_t)v;
			break;
		case 'T': c->pc_timeline = 0; break;
		case 'B': o->no_immediate = 1; break;
		case 'R': o->no_realtime = 1; break;
		case 'h': return PARSE_HELP;
		default: return PARSE_MISUSE;
		}
	}
	if (check_target(o->target, argc, argv, err) == -1 ||
	    check_interval(o->interval_ns, err) == -1)
		return PARSE_MISUSE;
	return PARSE_RUN;
}

/* Ping until the duration ends or a signal comes; fills r. */
static int
ping_cmd_run(const struct ping_cmd *c, struct probe_ping_result *r)
{
	struct probe_ping *p;
	char err[ERR_LEN];
	sigset_t set;

	signals_block(&set);
	p = probe_ping_start(&c->pc_opts, err);
	if (p == NULL)
		goto fail;
	while (!probe_ping_wait(p, 0) || c->pc_opts.duration_ns == 0)
		if (signals_wait(&set, 100))
			break;
	if (probe_ping_stop(p, r, err) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("%s", err);
	return -1;
}

static int
ping_cmd_print(const struct ping_cmd *c, const struct probe_ping_result *r)
{
	char line[512];

	probe_ping_summary(r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (r->pr_capture_drops > 0)
		log_warnx("probe ping: the capture dropped %llu packets: the "
		    "timeline has holes", (unsigned long long)
		    r->pr_capture_drops);
	if (r->pr_event_lines_skipped > 0)
		log_warnx("probe ping: %s: %llu lines were not events",
		    c->pc_opts.events_file, (unsigned long long)
		    r->pr_event_lines_skipped);
	return ping_result_write(r, c->pc_json, c->pc_csv, c->pc_timeline);
}

static int
probe_ping_cmd(int argc, char **argv)
{
	struct ping_cmd c;
	struct probe_ping_result r;
	char err[ERR_LEN] = "";
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	c.pc_timeline = 1;
	switch (ping_cmd_parse(argc, argv, &c, err)) {
	case PARSE_RUN: break;
	case PARSE_HELP:
		cmd_usage(stdout, "hvlab probe", probe_cmds);
		return 0;
	default: return probe_misuse("ping", err);
	}
	if (ping_cmd_run(&c, &r) == -1)
		return 2;
	rc = ping_cmd_print(&c, &r) == -1 ? 2 : 0;
	probe_ping_result_free(&r);
	return rc;
}

/* `probe tcp`: its options, then what it writes. */
struct tcp_cmd {
	struct probe_tcp_opts tc_opts;
	const char *tc_json;
	int tc_timeline;
};

static int
tcp_cmd_parse(int argc, char **argv, struct tcp_cmd *c, char *err)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'P' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "reconnect", no_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "no-timeline", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct probe_tcp_opts *o = &c->tc_opts;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:P:i:d:o:rj:n:Th", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': o->target = optarg; break;
		case 'P':
			if (parse_port(optarg, &o->port) == -1) {
				err_set(err, "--port: '%s' is not a port "
				    "number", optarg);
				return PARSE_MISUSE;
			}
			break;
		case 'i':
			if (parse_dur("--interval", optarg, NS_PER_MS,
			    &o->interval_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'd':
			if (parse_dur("--duration", optarg, NS_PER_S,
			    &o->duration_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'o':
			if (parse_dur("--timeout", optarg, NS_PER_S,
			    &o->timeout_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'r': o->reconnect = 1; break;
		case 'j': c->tc_json = optarg; break;
		case 'n': o->netns = optarg; break;
		case 'T': c->tc_timeline = 0; break;
		case 'h': return PARSE_HELP;
		default: return PARSE_MISUSE;
		}
	}
	if (check_target(o->target, argc, argv, err) == -1 ||
	    check_interval(o->interval_ns, err) == -1)
		return PARSE_MISUSE;
	return PARSE_RUN;
}

/* Hold the session until the duration ends or a signal comes; fills r. */
static int
tcp_cmd_run(const struct tcp_cmd *c, struct probe_tcp_result *r)
{
	struct probe_tcp *p;
	char err[ERR_LEN];
	sigset_t set;

	signals_block(&set);
	p = probe_tcp_start(&c->tc_opts, err);
	if (p == NULL)
		goto fail;
	while (!probe_tcp_wait(p, 0))
		if (signals_wait(&set, 100))
			break;
	if (probe_tcp_stop(p, r, err) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("%s", err);
	return -1;
}

static int
tcp_cmd_print(const struct tcp_cmd *c, const struct probe_tcp_result *r)
{
	char err[ERR_LEN], line[512];

	probe_tcp_summary(r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (c->tc_json != NULL && write_json(c->tc_json,
	    probe_tcp_result_json(r, c->tc_timeline), err) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

static int
probe_tcp_cmd(int argc, char **argv)
{
	struct tcp_cmd c;
	struct probe_tcp_result r;
	char err[ERR_LEN] = "";
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	c.tc_timeline = 1;
	switch (tcp_cmd_parse(argc, argv, &c, err)) {
	case PARSE_RUN: break;
	case PARSE_HELP:
		cmd_usage(stdout, "hvlab probe", probe_cmds);
		return 0;
	default: return probe_misuse("tcp", err);
	}
	if (tcp_cmd_run(&c, &r) == -1)
		return 2;
	rc = tcp_cmd_print(&c, &r) == -1 ? 2 : 0;
	probe_tcp_result_free(&r);
	return rc;
}

/* `probe integrity`: its options, then how long and what it writes. */
struct integrity_cmd {
	struct probe_integrity_opts ic_opts;
	uint64_t ic_duration_ns;	/* 0 = until the journal ends */
	uint64_t ic_wait_ns;		/* for the agent after the end */
	const char *ic_json;
};

/* --interval for the journal: 1 ms .. 1 h, kept in ms. */
static int
parse_journal_interval(const char *s, unsigned *ms, char *err)
{
	uint64_t v;

	if (parse_dur("--interval", s, NS_PER_MS, &v, err) == -1)
		return -1;
	if (v < NS_PER_MS || v > 3600 * NS_PER_S)
		return err_set(err, "--interval must be 1 ms .. 1 h");
	*ms = (unsigned)(v / NS_PER_MS);
	return 0;
}

static int
integrity_cmd_parse(int argc, char **argv, struct integrity_cmd *c,
    char *err)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "port", required_argument, NULL, 'P' },
		{ "dev", required_argument, NULL, 'D' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "silence", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct probe_integrity_opts *o = &c->ic_opts;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:P:D:i:d:s:w:j:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': o->target = optarg; break;
		case 'P':
			if (parse_port(optarg, &o->port) == -1) {
				err_set(err, "--port: '%s' is not a port "
				    "number", optarg);
				return PARSE_MISUSE;
			}
			break;
		case 'D': o->dev = optarg; break;
		case 'i':
			if (parse_journal_interval(optarg, &o->interval_ms,
			    err) == -1)
				return PARSE_MISUSE;
			break;
		case 'd':
			if (parse_dur("--duration", optarg, NS_PER_S,
			    &c->ic_duration_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 's':
			if (parse_dur("--silence", optarg, NS_PER_S,
			    &o->silence_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'w':
			if (parse_dur("--wait", optarg, NS_PER_S,
			    &c->ic_wait_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'j': c->ic_json = optarg; break;
		case 'n': o->netns = optarg; break;
		case 'h': return PARSE_HELP;
		default: return PARSE_MISUSE;
		}
	}
	if (check_target(o->target, argc, argv, err) == -1)
		return PARSE_MISUSE;
	return PARSE_RUN;
}

/* Journal until the VM dies, the duration ends or a signal comes; the
 * acks go to a. */
static int
integrity_cmd_run(const struct integrity_cmd *c, struct integrity_acks *a)
{
	struct probe_integrity *p;
	char err[ERR_LEN];
	uint64_t t0;
	sigset_t set;

	signals_block(&set);
	p = probe_integrity_start(&c->ic_opts, err);
	if (p == NULL)
		goto fail;
	t0 = clock_mono_ns();
	for (;;) {
		if (probe_integrity_wait_end(p, 0))
			break;
		if (c->ic_duration_ns > 0 &&
		    clock_mono_ns() - t0 >= c->ic_duration_ns)
			break;
		if (signals_wait(&set, 100))
			break;
	}
	if (probe_integrity_stop(p, a, err) == -1)
		goto fail;
	return 0;
fail:
	log_warnx("%s", err);
	return -1;
}

/* Read the journal back, print and write what was lost: the exit
 * status. */
static int
integrity_cmd_verify(const struct integrity_cmd *c,
    const struct integrity_acks *a)
{
	struct integrity_result r;
	struct journal_state js;
	char err[ERR_LEN], line[512];

	log_info("probe integrity: journal ended (%s) after %llu acks, last "
	    "%llu; reading the journal", a->ia_end,
	    (unsigned long long)a->ia_n, (unsigned long long)(a->ia_n ?
	    a->ia_seq[a->ia_n - 1] : 0));
	if (probe_integrity_verify(&c->ic_opts, a, c->ic_wait_ns, &js, &r,
	    err) == -1)
		goto fail;
	integrity_summary(c->ic_opts.target, &r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (c->ic_json != NULL && write_json(c->ic_json,
	    integrity_result_json(c->ic_opts.target, a, &js, &r), err) == -1)
		goto fail;
	return r.ir_lost_acked > 0 ? 3 : 0;
fail:
	log_warnx("%s", err);
	return 2;
}

static int
probe_integrity_cmd(int argc, char **argv)
{
	struct integrity_cmd c;
	struct integrity_acks a;
	char err[ERR_LEN] = "";
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&a, 0, sizeof(a));
	c.ic_wait_ns = 120 * NS_PER_S;
	switch (integrity_cmd_parse(argc, argv, &c, err)) {
	case PARSE_RUN: break;
	case PARSE_HELP:
		cmd_usage(stdout, "hvlab probe", probe_cmds);
		return 0;
	default: return probe_misuse("integrity", err);
	}
	if (integrity_cmd_run(&c, &a) == -1)
		return 2;
	rc = integrity_cmd_verify(&c, &a);
	integrity_acks_free(&a);
	return rc;
}

/* `probe pcap`: its options, then what it writes. */
struct pcap_cmd {
	struct probe_pcap_opts pc_opts;
	const char *pc_json;
	const char *pc_csv;
	int pc_timeline;
};

static int
pcap_cmd_parse(int argc, char **argv, struct pcap_cmd *c, char *err)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "ident", required_argument, NULL, 'I' },
		{ "interval", required_argument, NULL, 'i' },
		{ "json", required_argument, NULL, 'j' },
		{ "csv", required_argument, NULL, 'c' },
		{ "no-timeline", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct probe_pcap_opts *o = &c->pc_opts;
	char *end;
	long v;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:I:i:j:c:Th", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': o->target = optarg; break;
		case 'I':
			v = strtol(optarg, &end, 0);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > 65535) {
				err_set(err, "--ident: '%s' is not 0..65535",
				    optarg);
				return PARSE_MISUSE;
			}
			o->ident = (int)v;
			break;
		case 'i':
			if (parse_dur("--interval", optarg, NS_PER_MS,
			    &o->interval_ns, err) == -1)
				return PARSE_MISUSE;
			break;
		case 'j': c->pc_json = optarg; break;
		case 'c': c->pc_csv = optarg; break;
		case 'T': c->pc_timeline = 0; break;
		case 'h': return PARSE_HELP;
		default: return PARSE_MISUSE;
		}
	}
	if (optind != argc - 1 || o->target == NULL) {
		err_set(err, o->target == NULL ? "--to ADDR is required" :
		    "one capture FILE is required");
		return PARSE_MISUSE;
	}
	o->path = argv[optind];
	return PARSE_RUN;
}

static int
probe_pcap_cmd(int argc, char **argv)
{
	struct pcap_cmd c;
	struct probe_ping_result r;
	char err[ERR_LEN] = "", line[512];
	int rc;

	memset(&c, 0, sizeof(c));
	c.pc_opts.ident = -1;
	c.pc_timeline = 1;
	switch (pcap_cmd_parse(argc, argv, &c, err)) {
	case PARSE_RUN: break;
	case PARSE_HELP:
		cmd_usage(stdout, "hvlab probe", probe_cmds);
		return 0;
	default: return probe_misuse("pcap", err);
	}
	if (probe_ping_from_pcap(&c.pc_opts, &r, err) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	probe_ping_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	rc = ping_result_write(&r, c.pc_json, c.pc_csv, c.pc_timeline) == -1 ?
	    2 : 0;
	probe_ping_result_free(&r);
	return rc;
}
