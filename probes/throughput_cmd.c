/*
 * throughput_cmd.c - `hvlab probe throughput`: the TCP throughput probe
 * from the command line.  With --listen it is the sink (run it on the
 * receiving host, e.g. `hvlab lab exec host2 -- hvlab probe throughput
 * --listen`); with --to it is the source and prints the summary line and
 * writes the JSON.  Exit status: 0 measured, 1 misuse, 2 could not run.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "probes/throughput.h"

#define TPUT_USAGE "usage: hvlab probe throughput --to ADDR [--port P] " \
	"[--flows N] [--duration S] [--json FILE] [--netns NAME]\n" \
	"       hvlab probe throughput --listen [ADDR] [--port P] " \
	"[--count N] [--timeout S]\n"

static volatile int tput_stop;

static void
tput_on_signal(int sig)
{
	tput_stop = 1;
}

static int
num_arg(const char *opt, const char *s, long lo, long hi, long *v, char *err)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || *v < lo || *v > hi)
		return err_set(err, "%s: '%s' is not a number in %ld..%ld",
		    opt, s, lo, hi);
	return 0;
}

/* Seconds as a plain number, or a duration with a unit. */
static int
secs_arg(const char *opt, const char *s, uint64_t *ns, char *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && *end == '\0' && errno == 0 && v > 0 && v < 3600) {
		*ns = (uint64_t)(v * 1e9);
		return 0;
	}
	if (clock_parse_duration(s, ns, err) == -1 || *ns == 0)
		return err_set(err, "%s: '%s' is not a duration", opt, s);
	return 0;
}

/* `probe throughput`: the source's options, or the sink's. */
struct tput_cmd {
	struct probe_tput_opts tc_opts;	/* source */
	struct probe_tput_sink tc_sink;	/* sink, with --listen */
	int tc_listen;
	const char *tc_json;
};

/* Parse one option into c: 0, 1 for --help, or -1 with err ("" when
 * getopt said why). */
static int
tput_cmd_opt(int ch, struct tput_cmd *c, char *err)
{
	uint64_t timeout_ns;
	long v;

	switch (ch) {
	case 't': c->tc_opts.to = optarg; break;
	case 'l':
		c->tc_listen = 1;
		c->tc_sink.addr = optarg;
		break;
	case 'P':
		if (num_arg("--port", optarg, 1, 65535, &v, err) < 0)
			return -1;
		c->tc_opts.port = (int)v;
		break;
	case 'f':
		if (num_arg("--flows", optarg, 1, TPUT_MAX_FLOWS, &v, err) < 0)
			return -1;
		c->tc_opts.flows = (int)v;
		break;
	case 'c':
		if (num_arg("--count", optarg, 0, 100000, &v, err) < 0)
			return -1;
		c->tc_sink.flows = (int)v;
		break;
	case 'd':
		if (secs_arg("--duration", optarg, &c->tc_opts.duration_ns,
		    err) < 0)
			return -1;
		break;
	case 'o':
		if (secs_arg("--timeout", optarg, &timeout_ns, err) < 0)
			return -1;
		c->tc_sink.timeout_ms = (long)(timeout_ns / NS_PER_MS);
		break;
	case 'j': c->tc_json = optarg; break;
	case 'n': c->tc_opts.netns = optarg; break;
	case 'h': return 1;
	default: return -1;
	}
	return 0;
}

/* 0 to run, 1 for --help, -1 for misuse with err ("" when getopt said
 * why). */
static int
tput_cmd_parse(int argc, char **argv, struct tput_cmd *c, char *err)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "listen", optional_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'P' },
		{ "flows", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'o' },
		{ "json", required_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:l::P:f:d:c:o:j:n:h", longopts,
	    NULL)) != -1)
		if ((rc = tput_cmd_opt(ch, c, err)) != 0)
			return rc;
	/* --listen ADDR as two words */
	if (c->tc_listen && c->tc_sink.addr == NULL && optind < argc &&
	    argv[optind][0] != '-')
		c->tc_sink.addr = argv[optind++];
	if (optind != argc)
		return err_set(err, "unexpected argument '%s'", argv[optind]);
	if (c->tc_listen == (c->tc_opts.to != NULL))
		return err_set(err, "give either --to ADDR (source) or "
		    "--listen (sink)");
	c->tc_sink.port = c->tc_opts.port > 0 ? c->tc_opts.port :
	    TPUT_DEFAULT_PORT;
	return 0;
}

/* Be the sink until the count, the timeout or a signal. */
static int
tput_cmd_sink(struct tput_cmd *c, char *err)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tput_on_signal;	/* no SA_RESTART: poll ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	c->tc_sink.stop = &tput_stop;
	return probe_tput_serve(&c->tc_sink, err);
}

/* Be the source; print the summary and write the JSON. */
static int
tput_cmd_source(const struct tput_cmd *c, char *err)
{
	struct probe_tput_result r;
	char line[256];
	cJSON *doc;
	int rc;

	if (probe_tput_run(&c->tc_opts, &r, err) < 0)
		return -1;
	probe_tput_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	if (c->tc_json == NULL)
		return 0;
	if ((doc = probe_tput_result_json(&r)) == NULL)
		return err_set(err, "out of memory");
	rc = json_write_file(c->tc_json, doc, err);
	cJSON_Delete(doc);
	return rc < 0 ? -1 : 0;
}

int
probe_throughput_cmd(int argc, char **argv)
{
	struct tput_cmd c;
	char err[ERR_LEN] = "";
	int rc;

	memset(&c, 0, sizeof(c));
	switch (tput_cmd_parse(argc, argv, &c, err)) {
	case 0: break;
	case 1:
		fputs(TPUT_USAGE, stdout);
		return 0;
	default:
		if (err[0] != '\0')
			fprintf(stderr, "hvlab probe throughput: %s\n", err);
		fputs(TPUT_USAGE, stderr);
		return 1;
	}
	rc = c.tc_listen ? tput_cmd_sink(&c, err) : tput_cmd_source(&c, err);
	if (rc < 0) {
		fprintf(stderr, "hvlab probe throughput: %s\n", err);
		return 2;
	}
	return 0;
}
