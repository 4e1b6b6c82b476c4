# bench/b-small-ranges.sh: scenario b, sourced by bench/run.sh: random
# aligned 4 KiB ranges of big.bin from hauld and from nginx under wrk,
# requests/s (range_scenario and range_block are in bench/servers.sh).

scenario_b()
{
	block "b. random aligned 4 KiB ranges of big.bin, wrk -t2, ${SECS} s a run: requests/s"
	if [ -z "$WRK" ]; then
		skip "b: wrk is not installed (apt-get install wrk)"
	else
		range_scenario b "$SMALL" rps
		header "" "hauld/nginx"
		range_block b req/s 0
	fi
}
