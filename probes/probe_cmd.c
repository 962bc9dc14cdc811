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
#include "integrity.h"
#include "ping.h"
#include "tcp.h"
#include "throughput.h"

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
		if (!(v >= 0) || v * (double)unit_ns > 1e18)
			return err_set(err, "%s: '%s' is out of range", opt, s);
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

static int
probe_ping_cmd(int argc, char **argv)
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
	struct probe_ping_opts o;
	struct probe_ping_result r;
	struct probe_ping *p;
	const char *json = NULL, *csv = NULL;
	char err[ERR_LEN], line[512];
	int ch, rc = 2, timeline = 1;
	uint64_t v;
	sigset_t set;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:i:d:j:c:n:I:e:p:TBRh",
	    longopts, NULL)) != -1) {
		switch (ch) {
		case 't': o.target = optarg; break;
		case 'i':
			if (parse_dur("--interval", optarg, NS_PER_MS,
			    &o.interval_ns, err) == -1)
				goto misuse;
			break;
		case 'd':
			if (parse_dur("--duration", optarg, NS_PER_S,
			    &o.duration_ns, err) == -1)
				goto misuse;
			break;
		case 'j': json = optarg; break;
		case 'c': csv = optarg; break;
		case 'n': o.netns = optarg; break;
		case 'I': o.iface = optarg; break;
		case 'e': o.events_file = optarg; break;
		case 'p':
			if (parse_dur("--payload", optarg, 1, &v, err) == -1)
				goto misuse;
			o.payload = (size_t)v;
			break;
		case 'T': timeline = 0; break;
		case 'B': o.no_immediate = 1; break;
		case 'R': o.no_realtime = 1; break;
		case 'h':
			cmd_usage(stdout, "hvlab probe", probe_cmds);
			return 0;
		default:
			return cmd_misuse("hvlab probe", probe_cmds, "ping");
		}
	}
	if (o.target == NULL || optind != argc) {
		snprintf(err, sizeof(err), o.target == NULL ?
		    "--to ADDR is required" : "unexpected argument '%s'",
		    argv[optind]);
		goto misuse;
	}
	if (o.interval_ns != 0 && (o.interval_ns < PING_INTERVAL_MIN_NS ||
	    o.interval_ns > PING_INTERVAL_MAX_NS)) {
		snprintf(err, sizeof(err), "--interval must be 1 .. 1000 ms");
		goto misuse;
	}
	signals_block(&set);
	p = probe_ping_start(&o, err);
	if (p == NULL) {
		log_warnx("%s", err);
		return 2;
	}
	while (!probe_ping_wait(p, 0) || o.duration_ns == 0)
		if (signals_wait(&set, 100))
			break;
	if (probe_ping_stop(p, &r, err) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	probe_ping_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (r.pr_capture_drops > 0)
		log_warnx("probe ping: the capture dropped %llu packets: the "
		    "timeline has holes", (unsigned long long)
		    r.pr_capture_drops);
	if (r.pr_event_lines_skipped > 0)
		log_warnx("probe ping: %s: %llu lines were not events",
		    o.events_file, (unsigned long long)
		    r.pr_event_lines_skipped);
	if (json != NULL && write_json(json, probe_ping_result_json(&r,
	    timeline), err) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (csv != NULL && probe_ping_write_csv(&r, csv, err) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	rc = 0;
out:
	probe_ping_result_free(&r);
	return rc;
misuse:
	fprintf(stderr, "hvlab probe ping: %s\n", err);
	return cmd_misuse("hvlab probe", probe_cmds, "ping");
}

static int
probe_tcp_cmd(int argc, char **argv)
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
	struct probe_tcp_opts o;
	struct probe_tcp_result r;
	struct probe_tcp *p;
	const char *json = NULL;
	char err[ERR_LEN], line[512];
	int ch, rc = 2, timeline = 1;
	sigset_t set;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:P:i:d:o:rj:n:Th", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': o.target = optarg; break;
		case 'P':
			if (parse_port(optarg, &o.port) == -1) {
				snprintf(err, sizeof(err), "--port: '%s' is "
				    "not a port number", optarg);
				goto misuse;
			}
			break;
		case 'i':
			if (parse_dur("--interval", optarg, NS_PER_MS,
			    &o.interval_ns, err) == -1)
				goto misuse;
			break;
		case 'd':
			if (parse_dur("--duration", optarg, NS_PER_S,
			    &o.duration_ns, err) == -1)
				goto misuse;
			break;
		case 'o':
			if (parse_dur("--timeout", optarg, NS_PER_S,
			    &o.timeout_ns, err) == -1)
				goto misuse;
			break;
		case 'r': o.reconnect = 1; break;
		case 'j': json = optarg; break;
		case 'n': o.netns = optarg; break;
		case 'T': timeline = 0; break;
		case 'h':
			cmd_usage(stdout, "hvlab probe", probe_cmds);
			return 0;
		default:
			return cmd_misuse("hvlab probe", probe_cmds, "tcp");
		}
	}
	if (o.target == NULL || optind != argc) {
		snprintf(err, sizeof(err), o.target == NULL ?
		    "--to ADDR is required" : "unexpected argument '%s'",
		    argv[optind]);
		goto misuse;
	}
	if (o.interval_ns != 0 && (o.interval_ns < PING_INTERVAL_MIN_NS ||
	    o.interval_ns > PING_INTERVAL_MAX_NS)) {
		snprintf(err, sizeof(err), "--interval must be 1 .. 1000 ms");
		goto misuse;
	}
	signals_block(&set);
	p = probe_tcp_start(&o, err);
	if (p == NULL) {
		log_warnx("%s", err);
		return 2;
	}
	while (!probe_tcp_wait(p, 0))
		if (signals_wait(&set, 100))
			break;
	if (probe_tcp_stop(p, &r, err) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	probe_tcp_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (json != NULL && write_json(json, probe_tcp_result_json(&r,
	    timeline), err) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	rc = 0;
out:
	probe_tcp_result_free(&r);
	return rc;
misuse:
	fprintf(stderr, "hvlab probe tcp: %s\n", err);
	return cmd_misuse("hvlab probe", probe_cmds, "tcp");
}

static int
probe_integrity_cmd(int argc, char **argv)
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
	struct probe_integrity_opts o;
	struct probe_integrity *p;
	struct integrity_acks a;
	struct integrity_result r;
	struct journal_state js;
	const char *json = NULL;
	char err[ERR_LEN], line[512];
	uint64_t duration = 0, wait_ns = 120 * NS_PER_S, v;
	uint64_t t0;
	int ch, rc = 2;
	sigset_t set;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:P:D:i:d:s:w:j:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': o.target = optarg; break;
		case 'P':
			if (parse_port(optarg, &o.port) == -1) {
				snprintf(err, sizeof(err), "--port: '%s' is "
				    "not a port number", optarg);
				goto misuse;
			}
			break;
		case 'D': o.dev = optarg; break;
		case 'i':
			if (parse_dur("--interval", optarg, NS_PER_MS, &v,
			    err) == -1)
				goto misuse;
			if (v < NS_PER_MS || v > 3600 * NS_PER_S) {
				snprintf(err, sizeof(err), "--interval must "
				    "be 1 ms .. 1 h");
				goto misuse;
			}
			o.interval_ms = (unsigned)(v / NS_PER_MS);
			break;
		case 'd':
			if (parse_dur("--duration", optarg, NS_PER_S,
			    &duration, err) == -1)
				goto misuse;
			break;
		case 's':
			if (parse_dur("--silence", optarg, NS_PER_S,
			    &o.silence_ns, err) == -1)
				goto misuse;
			break;
		case 'w':
			if (parse_dur("--wait", optarg, NS_PER_S, &wait_ns,
			    err) == -1)
				goto misuse;
			break;
		case 'j': json = optarg; break;
		case 'n': o.netns = optarg; break;
		case 'h':
			cmd_usage(stdout, "hvlab probe", probe_cmds);
			return 0;
		default:
			return cmd_misuse("hvlab probe", probe_cmds,
			    "integrity");
		}
	}
	if (o.target == NULL || optind != argc) {
		snprintf(err, sizeof(err), o.target == NULL ?
		    "--to ADDR is required" : "unexpected argument '%s'",
		    argv[optind]);
		goto misuse;
	}
	signals_block(&set);
	p = probe_integrity_start(&o, err);
	if (p == NULL) {
		log_warnx("%s", err);
		return 2;
	}
	t0 = clock_mono_ns();
	for (;;) {
		if (probe_integrity_wait_end(p, 0))
			break;
		if (duration > 0 && clock_mono_ns() - t0 >= duration)
			break;
		if (signals_wait(&set, 100))
			break;
	}
	if (probe_integrity_stop(p, &a, err) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	log_info("probe integrity: journal ended (%s) after %llu acks, last "
	    "%llu; reading the journal", a.ia_end,
	    (unsigned long long)a.ia_n, (unsigned long long)(a.ia_n ?
	    a.ia_seq[a.ia_n - 1] : 0));
	if (probe_integrity_verify(&o, &a, wait_ns, &js, &r, err) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	integrity_summary(o.target, &r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (json != NULL && write_json(json, integrity_result_json(o.target,
	    &a, &js, &r), err) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	rc = r.ir_lost_acked > 0 ? 3 : 0;
out:
	integrity_acks_free(&a);
	return rc;
misuse:
	fprintf(stderr, "hvlab probe integrity: %s\n", err);
	return cmd_misuse("hvlab probe", probe_cmds, "integrity");
}

static int
probe_pcap_cmd(int argc, char **argv)
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
	struct probe_pcap_opts o;
	struct probe_ping_result r;
	const char *json = NULL, *csv = NULL;
	char err[ERR_LEN], line[512], *end;
	int ch, rc = 2, timeline = 1;
	long v;

	memset(&o, 0, sizeof(o));
	o.ident = -1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:I:i:j:c:Th", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': o.target = optarg; break;
		case 'I':
			v = strtol(optarg, &end, 0);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > 65535) {
				snprintf(err, sizeof(err), "--ident: '%s' is "
				    "not 0..65535", optarg);
				goto misuse;
			}
			o.ident = (int)v;
			break;
		case 'i':
			if (parse_dur("--interval", optarg, NS_PER_MS,
			    &o.interval_ns, err) == -1)
				goto misuse;
			break;
		case 'j': json = optarg; break;
		case 'c': csv = optarg; break;
		case 'T': timeline = 0; break;
		case 'h':
			cmd_usage(stdout, "hvlab probe", probe_cmds);
			return 0;
		default:
			return cmd_misuse("hvlab probe", probe_cmds, "pcap");
		}
	}
	if (optind != argc - 1 || o.target == NULL) {
		snprintf(err, sizeof(err), o.target == NULL ?
		    "--to ADDR is required" : "one capture FILE is required");
		goto misuse;
	}
	o.path = argv[optind];
	if (probe_ping_from_pcap(&o, &r, err) == -1) {
		log_warnx("%s", err);
		return 2;
	}
	probe_ping_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	if (json != NULL && write_json(json, probe_ping_result_json(&r,
	    timeline), err) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	if (csv != NULL && probe_ping_write_csv(&r, csv, err) == -1) {
		log_warnx("%s", err);
		goto out;
	}
	rc = 0;
out:
	probe_ping_result_free(&r);
	return rc;
misuse:
	fprintf(stderr, "hvlab probe pcap: %s\n", err);
	return cmd_misuse("hvlab probe", probe_cmds, "pcap");
}
