#!/bin/sh
# make start: hauld on :8000 serving files/, haulproxy on :8888 writing to
# downloads/, both in the foreground; Ctrl+C (or SIGTERM) stops both.
# Usage: start.sh BUILDDIR SRCDIR
set -u
build=$1
src=$2
sh "$src/contrib/make-sample.sh" "$src/files" || exit 1
mkdir -p downloads
"$build/src/hauld/hauld" -p 8000 -r "$src/files" -s hauld.stats -P hauld.pid &
hauld=$!
"$build/src/haulproxy/haulproxy" -p 8888 -o http://127.0.0.1:8000 -D downloads \
    -s haulproxy.stats -P haulproxy.pid &
proxy=$!
stop()
{
	trap - INT TERM
	kill -TERM "$hauld" "$proxy" 2>/dev/null
	wait "$hauld" "$proxy" 2>/dev/null
	exit 0
}
trap stop INT TERM
echo "hauld on http://localhost:8000/download/ (files/), haulproxy on" \
    "http://localhost:8888/download/ (downloads/); Ctrl+C stops both"
# Either one dying ends the session.
while kill -0 "$hauld" 2>/dev/null && kill -0 "$proxy" 2>/dev/null; do
	sleep 1
done
echo "start: a daemon exited; stopping the other" >&2
stop
