# probes/: ping, TCP session and write-integrity probes.
# ping_stats.c and marks.c are pure (unit-tested); ping.c, tcp.c and
# integrity.c do the I/O; probe_cmd.c is `hvlab probe`.
PROBES_SRCS := probes/probe_cmd.c probes/ping_stats.c probes/ping.c \
	probes/ping_report.c probes/marks.c probes/probe_ns.c \
	probes/agent_client.c probes/tcp.c probes/integrity.c \
	probes/icmp_frame.c probes/ping_pcap.c
