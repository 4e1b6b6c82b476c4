# bench/c-gzip-ranges.sh: scenario c, sourced by bench/run.sh: random
# aligned 512 KiB ranges of log.json from hauld with Accept-Encoding: gzip
# under wrk: payload and wire MB/s, hauld's CPU, and the codec's own speed
# on the same ranges (bench/codecspeed.c), against the issue's figures.

scenario_c()
{
	block "c. random aligned 512 KiB ranges of log.json (${TEXT_MB} MiB) with Accept-Encoding: gzip, hauld, wrk -t2 -c16, ${SECS} s a run"
	if [ -z "$WRK" ]; then
		skip "c: wrk is not installed (apt-get install wrk)"
	else
		c_measure
		c_table
	fi
}

# c_measure: check that hauld gzips such a range, then the wrk rounds and
# the codec rounds
c_measure()
{
	local ce r c0 c1 pay out
	if [ -n "$CURL" ]; then
		ce=$("$CURL" -s -o /dev/null -D - -H 'Accept-Encoding: gzip' \
		    -r 0-$((CHUNK - 1)) "http://127.0.0.1:$HPORT/download/log.json" |
		    tr -d '\r' | sed -n 's/^[Cc]ontent-[Ee]ncoding: //p')
		[ "$ce" = gzip ] ||
		    note "WARNING: hauld did not gzip a 512 KiB range of log.json (Content-Encoding: '${ce}')"
	fi
	for r in $(seq 1 "$ROUNDS"); do
		c0=$(cpu_ticks "$HPID")
		wrk_run "$HPORT" /download/log.json "$TEXT_BYTES" "$CHUNK" 16 gzip || continue
		c1=$(cpu_ticks "$HPID")
		pay=$(calc "$WREQ * $CHUNK")
		add c.payload "$(calc "$pay / $WDUR / 1e6")"
		add c.wire "$(calc "$WBYTES / $WDUR / 1e6")"
		add c.cpu "$(calc "($c1 - $c0) / $CLK_TCK / ($pay / 1e9)")"
		add c.cores "$(calc "($c1 - $c0) / $CLK_TCK / $WDUR")"
	done
	if [ -x "$W/bin/codecspeed" ]; then
		for r in $(seq 1 "$ROUNDS"); do
			out=$("$W/bin/codecspeed" "$W/files/log.json" 1 "$CHUNK" 1) || break
			add c.codec "$(echo "$out" | sed 's/.*deflate_MBps=\([0-9.]*\).*/\1/')"
			add c.inflate "$(echo "$out" | sed 's/.*inflate_MBps=\([0-9.]*\).*/\1/')"
			add c.ratio "$(echo "$out" | sed 's/.*ratio=\([0-9.]*\).*/\1/')"
		done
	fi
}

# c_table: the rows and targets of scenario c
c_table()
{
	local pm cm limit
	pm=$(med c.payload)
	cm=$(med c.codec)
	limit=$(awk -v c="$cm" -v n="$WORKERS" 'BEGIN { if (c == "-") print "-"; else print c * n }')
	header "" ""
	row "hauld payload MB/s (uncompressed)" c.payload 1
	row "hauld wire MB/s (gzip, headers incl.)" c.wire 1
	row "hauld CPU s per payload GB" c.cpu 2
	row "hauld CPU use (cores busy)" c.cores 2
	row "codec deflate MB/s, 1 core (-Z 1)" c.codec 1
	row "codec inflate MB/s, 1 core" c.inflate 1
	row "codec ratio on 512 KiB ranges" c.ratio 2
	printf '  %-40s %11s\n' "payload / (codec x $WORKERS workers)" "$(ratio "$pm" "$limit")"
	printf '  %-40s %11s\n' "payload / Go demo (issue's ${GO_DEMO_C} MB/s)" "$(ratio "$pm" "$GO_DEMO_C")"
	note "codec: $CODEC.  nginx does not gzip ranges, so there is no peer here; the Go"
	note "demo the issue compares with is not in this repository: its ${GO_DEMO_C} MB/s is the"
	note "issue's figure, not measured.  wrk shares the ${NPROC} cores with hauld."
	check "c. payload MB/s >= 4x Go demo (issue figure)" "$(fmt "$pm" 0)" ">=" $((4 * GO_DEMO_C))
	check "c. payload / (codec speed x cores)" "$(ratio "$pm" "$limit")" ">=" 0.80
}
