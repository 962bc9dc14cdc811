int hvctl_top_main(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int hvctl_metrics_main(int argc, char **argv) { (void)argc; (void)argv; return 1; }
