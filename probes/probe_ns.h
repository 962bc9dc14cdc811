/*
 * probe_ns.h - run a probe's socket setup inside a network namespace.
 *
 * Probes measure from the lab's station namespace while the caller (the
 * scenario runner, `hvlab probe --netns`) may live elsewhere.  A socket or
 * capture handle stays in the namespace it was created in, so the probes
 * switch the calling thread into the namespace, open what they need and
 * switch back (setns affects only the calling thread).
 */
#ifndef HV_PROBE_NS_H
#define HV_PROBE_NS_H

/*
 * Enter netns (a name under /run/netns, or a path; NULL = stay).  *back
 * receives a descriptor of the namespace to return to (-1 when netns is
 * NULL).  Returns 0 or -1 with err.
 */
int probe_ns_enter(const char *netns, int *back, char *err);
/* Return to the namespace saved by probe_ns_enter and close back.
 * Returns 0 or -1 with err (the thread then stays in the other one). */
int probe_ns_leave(int back, char *err);

#endif
