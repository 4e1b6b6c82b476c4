# bench/a-ranges.sh: scenario a, sourced by bench/run.sh: random aligned
# 512 KiB ranges of big.bin from hauld and from nginx under wrk, payload
# MB/s (range_scenario and range_block are in bench/servers.sh).

scenario_a()
{
	block "a. random aligned 512 KiB ranges of big.bin (${SIZE_MB} MiB), wrk -t2, ${SECS} s a run: payload MB/s (10^6)"
	if [ -z "$WRK" ]; then
		skip "a: wrk is not installed (apt-get install wrk)"
	else
		range_scenario a "$CHUNK" mbps
		header "" "hauld/nginx"
		range_block a MB/s 1
	fi
}
