# bench/h-digest.sh: scenario h, sourced by bench/run.sh: digests
# (issue 12).  How fast hauld's hashing thread computes the SHA-256 of
# big.bin (from a HEAD that queues it to the first answer carrying
# Repr-Digest) against `openssl dgst -sha256` on the same file, the limit;
# and what verification costs a download: haulproxy --fetch big.bin from
# hauld with --verify off and with --verify auto (the digest known), in
# alternate rounds.

scenario_h()
{
	local r t0 cl h o
	block "h. digests: hashing big.bin (${SIZE_MB} MiB), and haulproxy --fetch with and without --verify"
	if ! command -v openssl >/dev/null 2>&1; then
		skip "h: openssl is not installed"
		return
	fi
	start_hauld 127.0.0.1 ""
	local hpid=$HPID
	for r in $(seq 1 "$ROUNDS"); do
		cat "$W/files/big.bin" >/dev/null
		t0=$(now)
		openssl dgst -sha256 "$W/files/big.bin" >/dev/null
		add h.openssl "$(elapsed "$t0")"
		python3 -c 'import os, sys
try: os.removexattr(sys.argv[1], "user.haul.sha256")
except OSError: pass' "$W/files/big.bin"
		# A new version for the worker's memory table: a new mtime.
		touch "$W/files/big.bin"
		t0=$(now)
		h_digest_wait "$HPORT" 120 || { skip "h: no Repr-Digest in 120 s"; break; }
		add h.hauld "$(elapsed "$t0")"
	done
	header "hashing big.bin, s" "openssl/hauld"
	row "openssl dgst -sha256" h.openssl 2
	row "hauld (HEAD to Repr-Digest)" h.hauld 2 "$(ratio "$(med h.openssl)" "$(med h.hauld)")"
	DL=$W/dl
	for r in $(seq 1 "$WROUNDS"); do
		o="off auto"
		[ $((r % 2)) = 0 ] && o="auto off"
		for cl in $o; do
			fresh_dir "$DL"
			cat "$W/files/big.bin" >/dev/null
			timed h.verify-$cl "$DL/big.bin" "$HAULPROXY" --fetch big.bin \
			    -o "http://127.0.0.1:$HPORT" -D "$DL" --verify "$cl" ||
			    continue
			if [ "$cl" = auto ] && ! grep -q '^sha-256: [0-9a-f]' "$W/run/client.log"; then
				echo "  (--verify auto did not verify: $(head -c 200 "$W/run/client.log"))" >&2
			fi
		done
	done
	rm -rf "$DL"
	mkdir -p "$DL"
	header "haulproxy --fetch big.bin, wall s" "auto/off"
	row "--verify off" h.verify-off.wall 2
	row "--verify auto (SHA-256 as it grows)" h.verify-auto.wall 2 \
	    "$(ratio "$(med h.verify-auto.wall)" "$(med h.verify-off.wall)")"
	note "hauld hashes in a thread of its worker at nice 10, with OpenSSL's EVP, 1 MiB preads;"
	note "haulproxy hashes the part file's written prefix in a thread as it grows (phash.c); the loop waits only for the tail."
	check "h. hauld hashing speed / openssl dgst" "$(ratio "$(med h.openssl)" "$(med h.hauld)")" ">=" 0.90 "(info)"
	check "h. verify overhead (auto/off wall)" "$(ratio "$(med h.verify-auto.wall)" "$(med h.verify-off.wall)")" "<=" 1.10
	stop_pid "$hpid"
}

# h_digest_wait PORT SECS: a HEAD of big.bin until it carries Repr-Digest
h_digest_wait()
{
	local n=$(($2 * 20))
	while [ "$n" -gt 0 ]; do
		"$CURL" -sI "http://127.0.0.1:$1/download/big.bin" |
		    grep -qi '^repr-digest' && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
