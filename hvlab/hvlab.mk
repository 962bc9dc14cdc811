# hvlab/: hvlab's main() and its command table (each command lives with its
# component: lab/, probes/, scenarios/, reports/).
HVLAB_MAIN := hvlab/hvlab.c
