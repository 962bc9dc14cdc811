# common/: the shared library every program links (depends on nothing of ours).
COMMON_SRCS := common/log.c common/err.c common/clock.c common/json.c \
	common/http.c common/proc.c common/cmd.c common/netif.c \
	common/sock.c common/accel.c common/hex.c
# YAML documents (libyaml): only the programs that read scenarios.yaml
# link it, so hvd and its helpers do not depend on libyaml.
COMMON_YAML_SRCS := common/yamldoc.c
