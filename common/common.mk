# common/: the shared library every program links (depends on nothing of ours).
COMMON_SRCS := common/log.c common/err.c common/clock.c common/json.c \
	common/http.c common/proc.c common/cmd.c common/netif.c \
	common/sock.c common/accel.c
