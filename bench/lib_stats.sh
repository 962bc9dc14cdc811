# lib_stats.sh - the benchmarks' one median (sourced, POSIX sh).
#   median [FMT]   the median of the numbers on stdin (mean of the middle
#                  two for an even count), printf FMT (default %g); "-"
#                  when there is none
#   stats [FMT]    "min X  median Y  max Z" of the numbers on stdin, each in
#                  FMT; "n/a" when there is none
median() {
	sort -n | awk -v f="${1:-%g}" '{ v[NR] = $1 } END {
	    if (NR == 0) { print "-"; exit }
	    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    printf f "\n", m }'
}
stats() {
	sort -n | awk -v f="${1:-%g}" '{ v[NR] = $1 } END {
	    if (NR == 0) { print "n/a"; exit }
	    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    printf "min " f "  median " f "  max " f, v[1], m, v[NR] }'
}
