#!/bin/sh
# Make sample files for `make start` when DIR holds no file yet:
# sample.bin (16 MiB of random bytes) and sample.txt (JSON log lines,
# about 6 MiB, compressible).
dir=${1:-files}
mkdir -p "$dir"
if [ -n "$(find "$dir" -type f ! -name .gitkeep | head -n 1)" ]; then
	exit 0
fi
echo "make-sample: writing $dir/sample.bin and $dir/sample.txt"
head -c 16777216 /dev/urandom > "$dir/sample.bin"
awk 'BEGIN {
	split("GET PUT POST HEAD DELETE", m, " ");
	for (i = 0; i < 60000; i++)
		printf("{\"ts\":%d,\"method\":\"%s\",\"path\":\"/api/v1/items/%d\"," \
		    "\"status\":%d,\"bytes\":%d,\"ms\":%.3f}\n", 1700000000 + i,
		    m[i % 5 + 1], i * 7 % 1000, (i % 17 ? 200 : 404),
		    i * 31 % 65536, (i % 97) / 7.0);
}' > "$dir/sample.txt"
