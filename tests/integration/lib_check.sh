# lib_check.sh - the result lines the lab tests print, and their
# precondition check.  Sourced (sets fails=0):
#   need_cmds CMD...   exit 77 (skipped), naming the first CMD not installed
#   ok MSG, bad MSG    a passed / failed check (bad counts into $fails)
#   check MSG CMD...   ok or bad by CMD's exit status (its output dropped)
fails=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
check() { msg=$1; shift; if "$@" >/dev/null 2>&1; then ok "$msg"; else bad "$msg"; fi; }
need_cmds() {
	for _nc in "$@"; do
		command -v "$_nc" >/dev/null 2>&1 || { echo "no $_nc"; exit 77; }
	done
}
