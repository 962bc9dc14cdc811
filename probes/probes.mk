# probes/: ping, TCP session and write-integrity probes.
# Pure, unit-tested: ping_stats.c (timeline, figures), marks.c (events
# file), icmp_frame.c (frames), ping_report.c (JSON/CSV), the comparison in
# integrity.c.  I/O: ping.c (raw socket + libpcap), ping_pcap.c (capture
# files), tcp.c, integrity.c, agent_client.c, probe_ns.c.  probe_cmd.c is
# `hvlab probe`.
PROBES_SRCS := probes/probe_cmd.c probes/ping_stats.c probes/ping.c \
	probes/ping_report.c probes/marks.c probes/probe_ns.c \
	probes/agent_client.c probes/tcp.c probes/integrity.c \
	probes/icmp_frame.c probes/ping_pcap.c \
	probes/throughput.c probes/throughput_cmd.c
