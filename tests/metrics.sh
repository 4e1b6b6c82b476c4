# Proves the two service endpoints: /healthz answers 200 "ok"; /metrics
# is Prometheus text format 0.0.4 (every sample has HELP and TYPE lines
# before it, counters end in _total, names and values are well formed,
# no sample is repeated), carries the counters SPEC.md lists, and they
# move with the traffic: one 206 of 1000 bytes adds 1 to resp_206 and
# exactly 1000 to file_bytes.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

bin_file "$ROOT/a.bin" 5000
start_hauld

fetch "$T/got" "$T/h" "$(url /healthz)"
must_equal "$(status "$T/h")" 200 "/healthz status"
must_equal "$(tr -d '\r\n' <"$T/got")" ok "/healthz body"
must_match "$(hdr "$T/h" Content-Type)" 'text/plain*' "/healthz type"
fetch "$T/got" "$T/h" -I "$(url /healthz)"
must_equal "$(status "$T/h")" 200 "HEAD /healthz"
fetch "$T/got" "$T/h" "$(url /healthz/x)"
must_equal "$(status "$T/h")" 404 "/healthz/x"

fetch "$T/m" "$T/h" "$(url /metrics)"
must_equal "$(status "$T/h")" 200 "/metrics status"
must_match "$(hdr "$T/h" Content-Type)" 'text/plain; version=0.0.4*' \
    "/metrics Content-Type"
must_equal "$(hdr "$T/h" Content-Length)" "$(size_of "$T/m")" \
    "/metrics Content-Length"

# The exposition format, line by line.
awk '
    function bad(msg) { print "line " NR ": " msg ": " $0; err = 1; exit 1 }
    /^# HELP / { if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("HELP name")
	if (NF < 4) bad("HELP without text"); help[$3] = 1; next }
    /^# TYPE / { if ($4 != "counter" && $4 != "gauge") bad("TYPE value")
	if (!($3 in help)) bad("TYPE before HELP"); type[$3] = $4; next }
    /^#/ { next }
    /^$/ { bad("empty line") }
    { if (NF != 2) bad("sample is not NAME VALUE")
	if ($1 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("sample name")
	if ($2 !~ /^[0-9]+$/) bad("sample value")
	if (!($1 in type)) bad("sample without TYPE")
	if (type[$1] == "counter" && $1 !~ /_total$/) bad("counter without _total")
	if ($1 in seen) bad("repeated sample"); seen[$1] = 1; n++ }
    END { if (!err && n < 10) { print "only " n " samples"; exit 1 } }' \
    "$T/m" >"$T/awk" || fail "/metrics format: $(cat "$T/awk")"
[ "$(tail -c1 "$T/m" | od -An -c | tr -d ' ')" = '\n' ] ||
    fail "/metrics does not end with a newline"

for name in hauld_conn_accepted_total hauld_conn_open hauld_requests_total \
    hauld_resp_2xx_total hauld_resp_4xx_total hauld_resp_5xx_total \
    hauld_resp_206_total hauld_bytes_out_total hauld_file_bytes_total \
    hauld_gzip_in_total hauld_gzip_out_total hauld_sendfile_calls_total \
    hauld_errors_total hauld_worker_restarts_total; do
	grep -q "^$name [0-9]" "$T/m" || fail "/metrics lacks $name"
done
must_contain "$T/m" '^# TYPE hauld_conn_open gauge$' "conn_open is a gauge"
must_contain "$T/m" '^# TYPE hauld_requests_total counter$' \
    "requests_total is a counter"
must_not_contain "$T/m" '^hauld_(downloads|chunks|retries)' \
    "proxy-only counters in hauld's /metrics"

# Counters follow the traffic.
p0=$(metric hauld_resp_206_total)
f0=$(metric hauld_file_bytes_total)
b0=$(metric hauld_bytes_out_total)
e0=$(metric hauld_resp_4xx_total)
fetch "$T/got" "$T/h" -r 1000-1999 "$(url /download/a.bin)"
fetch "$T/got" "$T/h" "$(url /download/missing)"
settle_metric hauld_resp_4xx_total $((e0 + 1))
settle_metric hauld_resp_206_total $((p0 + 1))
must_equal "$(metric hauld_resp_206_total)" $((p0 + 1)) "resp_206_total"
must_equal "$(metric hauld_file_bytes_total)" $((f0 + 1000)) "file_bytes_total"
must_equal "$(metric hauld_resp_4xx_total)" $((e0 + 1)) "resp_4xx_total"
b1=$(metric hauld_bytes_out_total)
[ "$b1" -gt $((b0 + 1000)) ] || fail "bytes_out_total went from $b0 to $b1"
s=$(metric hauld_sendfile_calls_total)
[ "$s" -ge 1 ] || fail "sendfile_calls_total is $s"
must_equal "$(metric hauld_errors_total)" 0 "errors_total"
log ok
