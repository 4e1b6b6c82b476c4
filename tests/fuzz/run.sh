#!/bin/sh
# Runs every libFuzzer harness of tests/fuzz/ for a bounded time, each on
# a scratch copy of its seed corpus (the committed corpus never grows),
# under the ASan + UBSan build made by ./configure --enable-fuzz and
# make fuzz.  Prints one line per harness (name, executions, result) and
# ends with "N passed, N failed"; exits non-zero if any harness crashed,
# leaked, timed out, ran out of memory or is missing.  A crashing input is
# copied to BUILDDIR/tests/fuzz/crashes/ and the end of its log printed.
#
#   tests/fuzz/run.sh BUILDDIR [SECONDS]     (SECONDS per harness, 60)
#   FUZZ_JOBS=N     harnesses run N at a time (1)
#   FUZZ_ONLY="range path"   run only these (names without fuzz_)
#   FUZZ_SAVE=DIR   keep each grown corpus in DIR/NAME (for coverage)
set -u

builddir=${1:?usage: run.sh BUILDDIR [SECONDS]}
seconds=${2:-60}
jobs=${FUZZ_JOBS:-1}
here=$(cd "$(dirname "$0")" && pwd)
builddir=$(cd "$builddir" && pwd) || exit 2

names="range codings path httpreq request journal inflate inflate_zlib
mime mimetypes conn hclient auth digest tus"
[ -n "${FUZZ_ONLY:-}" ] && names=$FUZZ_ONLY

work=$(mktemp -d "${TMPDIR:-/tmp}/haul-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Options per harness: corpus directory, longest input, dictionary.
opts() {
	case $1 in
	inflate_zlib) echo "inflate -max_len=4096" ;;
	httpreq|request) echo "$1 -max_len=20000 -dict=$here/http.dict" ;;
	conn|hclient) echo "$1 -max_len=20000 -dict=$here/http.dict" ;;
	range|codings) echo "$1 -dict=$here/http.dict" ;;
	auth|digest|tus) echo "$1 -max_len=4096" ;;
	journal) echo "$1 -max_len=8192" ;;
	*) echo "$1" ;;
	esac
}

# One harness: its result goes to $work/$name.result as "EXECS RESULT".
run_one() {
	name=$1
	bin=$builddir/tests/fuzz/fuzz_$name
	set -- $(opts "$name")
	corpus=$1
	shift
	if [ ! -x "$bin" ]; then
		echo "0 missing" >"$work/$name.result"
		return
	fi
	mkdir -p "$work/$name/corpus" "$work/$name/art"
	cp "$here/corpus/$corpus"/* "$work/$name/corpus/" 2>/dev/null
	"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$work/$name/art/" "$@" \
	    "$work/$name/corpus" >"$work/$name.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "$work/$name.log" | tail -n 1)
	if [ "$rc" = 0 ]; then
		res=ok
	else
		art=$(ls "$work/$name/art" 2>/dev/null | head -n 1)
		res="FAILED (exit $rc${art:+, $art})"
		[ -z "$execs" ] && execs=$(sed -n \
		    's/^#\([0-9]*\).*/\1/p' "$work/$name.log" | tail -n 1)
	fi
	echo "${execs:-0} $res" >"$work/$name.result"
	if [ -n "${FUZZ_SAVE:-}" ]; then
		mkdir -p "$FUZZ_SAVE/$name"
		cp "$work/$name/corpus"/* "$FUZZ_SAVE/$name/" 2>/dev/null
	fi
}

# Run them, FUZZ_JOBS at a time.
running=0
for name in $names; do
	run_one "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

passed=0
failed=0
for name in $names; do
	read -r execs res <"$work/$name.result"
	printf 'fuzz_%-14s %12s execs  %s\n' "$name" "$execs" "$res"
	if [ "$res" = ok ]; then
		passed=$((passed + 1))
		continue
	fi
	failed=$((failed + 1))
	if [ -d "$work/$name/art" ] && [ -n "$(ls "$work/$name/art")" ]; then
		mkdir -p "$builddir/tests/fuzz/crashes"
		for f in "$work/$name/art"/*; do
			cp "$f" "$builddir/tests/fuzz/crashes/fuzz_$name-${f##*/}"
		done
	fi
	if [ -f "$work/$name.log" ]; then
		echo "---- fuzz_$name: end of log"
		grep -v '^#[0-9]' "$work/$name.log" | tail -n 40
		echo "----"
	fi
done
[ "$failed" -gt 0 ] && [ -d "$builddir/tests/fuzz/crashes" ] &&
    echo "crashing inputs: $builddir/tests/fuzz/crashes/"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
