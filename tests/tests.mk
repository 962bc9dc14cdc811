# tests/: Check unit tests, one check_<module>.c per module, one runner.
CHECK_SRCS := tests/check_main.c tests/check_clock.c tests/check_json.c \
	tests/check_err.c tests/check_proc.c tests/check_http.c tests/check_log.c
