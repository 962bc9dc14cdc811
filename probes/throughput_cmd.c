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
#include "throughput.h"

#define TPUT_USAGE "usage: hvlab probe throughput --to ADDR [--port P] " \
	"[--flows N] [--duration S] [--json FILE] [--netns NAME]\n" \
	"       hvlab probe throughput --listen [ADDR] [--port P] " \
	"[--count N] [--timeout S]\n"

static volatile int tput_stop;

static void
tput_on_signal(int sig)
{
	(void)sig;
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

int
probe_throughput_cmd(int argc, char **argv)
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
	struct probe_tput_opts o;
	struct probe_tput_result r;
	struct sigaction sa;
	const char *json = NULL, *laddr = NULL;
	char err[ERR_LEN], line[256];
	int ch, listen = 0;
	long v, count = 0;
	uint64_t timeout_ns = 0;
	cJSON *doc;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:l::P:f:d:c:o:j:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 't': o.to = optarg; break;
		case 'l':
			listen = 1;
			laddr = optarg;
			break;
		case 'P':
			if (num_arg("--port", optarg, 1, 65535, &v, err) < 0)
				goto misuse;
			o.port = (int)v;
			break;
		case 'f':
			if (num_arg("--flows", optarg, 1, TPUT_MAX_FLOWS, &v,
			    err) < 0)
				goto misuse;
			o.flows = (int)v;
			break;
		case 'c':
			if (num_arg("--count", optarg, 0, 100000, &count,
			    err) < 0)
				goto misuse;
			break;
		case 'd':
			if (secs_arg("--duration", optarg, &o.duration_ns,
			    err) < 0)
				goto misuse;
			break;
		case 'o':
			if (secs_arg("--timeout", optarg, &timeout_ns, err) < 0)
				goto misuse;
			break;
		case 'j': json = optarg; break;
		case 'n': o.netns = optarg; break;
		case 'h':
			fputs(TPUT_USAGE, stdout);
			return 0;
		default:
			fputs(TPUT_USAGE, stderr);
			return 1;
		}
	}
	/* --listen ADDR as two words */
	if (listen && laddr == NULL && optind < argc && argv[optind][0] != '-')
		laddr = argv[optind++];
	if (optind != argc) {
		err_set(err, "unexpected argument '%s'", argv[optind]);
		goto misuse;
	}
	if (listen == (o.to != NULL)) {
		err_set(err, "give either --to ADDR (source) or --listen (sink)");
		goto misuse;
	}
	if (listen) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = tput_on_signal;	/* no SA_RESTART: poll ends */
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (probe_tput_serve(laddr, o.port > 0 ? o.port :
		    TPUT_DEFAULT_PORT, (int)count,
		    (long)(timeout_ns / NS_PER_MS), &tput_stop, err) < 0) {
			fprintf(stderr, "hvlab probe throughput: %s\n", err);
			return 2;
		}
		return 0;
	}
	if (probe_tput_run(&o, &r, err) < 0) {
		fprintf(stderr, "hvlab probe throughput: %s\n", err);
		return 2;
	}
	probe_tput_summary(&r, line, sizeof(line));
	printf("%s\n", line);
	if (json != NULL) {
		doc = probe_tput_result_json(&r);
		if (doc == NULL || json_write_file(json, doc, err) < 0) {
			fprintf(stderr, "hvlab probe throughput: %s\n",
			    doc ? err : "out of memory");
			cJSON_Delete(doc);
			return 2;
		}
		cJSON_Delete(doc);
	}
	return 0;
misuse:
	fprintf(stderr, "hvlab probe throughput: %s\n%s", err, TPUT_USAGE);
	return 1;
}
