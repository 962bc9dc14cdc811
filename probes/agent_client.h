/*
 * agent_client.h - a line client for the guest agent's protocol.
 *
 * The guest agent (lab/guest/agent.c) listens on TCP port 7777 and speaks
 * one request line -> one reply line.  The TCP session probe and the
 * write-integrity probe use this: connect with a timeout, send a line, read
 * a line with a timeout (partial lines are kept between calls).
 */
#ifndef HV_PROBE_AGENT_CLIENT_H
#define HV_PROBE_AGENT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_PORT	7777
#define AGENT_LINE_MAX	4096

struct agent_conn {
	int ac_fd;
	char ac_buf[AGENT_LINE_MAX];
	size_t ac_len;		/* bytes buffered in ac_buf */
};

/* Connect to addr:port within timeout_ms; returns 0 or -1 with err.  The
 * socket is non-blocking with TCP_NODELAY. */
int agent_connect(struct agent_conn *c, const char *addr, int port,
    long timeout_ms, char *err);
void agent_close(struct agent_conn *c);

/* Send line (a '\n' is appended) within timeout_ms.  0 or -1 with err. */
int agent_send(struct agent_conn *c, const char *line, long timeout_ms,
    char *err);

/*
 * Read one line (without '\n') into line (len bytes) within timeout_ms
 * (-1 = forever, 0 = only what is already there).  Returns 1 with a line,
 * 0 on timeout, -1 on error or end of connection (err says which; *eof is
 * set to 1 on an orderly close, when eof is not NULL).
 */
int agent_recv(struct agent_conn *c, char *line, size_t len,
    long timeout_ms, int *eof, char *err);

/* Send a request and read its one-line reply. */
int agent_request(struct agent_conn *c, const char *req, char *reply,
    size_t len, long timeout_ms, char *err);

#endif
