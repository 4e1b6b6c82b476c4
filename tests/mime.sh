# Proves Content-Type selection: by extension (built-in table or
# /etc/mime.types) whatever the bytes, else by sniffing the first 512
# bytes: a file without extension holding text (ASCII or UTF-8) is
# text/plain and compressible, one with binary bytes (NUL, invalid UTF-8)
# is application/octet-stream and not compressed, and a binary byte past
# the 512th does not change the verdict.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

text_file "$ROOT/a.txt" 10000
printf '{"a": 1}\n' >"$ROOT/a.json"
printf '<html></html>\n' >"$ROOT/a.html"
printf 'body {}\n' >"$ROOT/a.css"
printf 'a,b\n1,2\n' >"$ROOT/a.csv"
printf '<svg/>\n' >"$ROOT/a.svg"
printf 'var a;\n' >"$ROOT/a.js"
text_file "$ROOT/a.png" 1000			# text bytes, image name
bin_file "$ROOT/a.gz" 1000
mkdir "$ROOT/sub.dir"
text_file "$ROOT/sub.dir/README" 20000		# no extension, text
text_file "$ROOT/notes" 20000			# no extension, text
printf 'h\303\251llo w\303\266rld, \342\202\254 5\n' >"$ROOT/utf8"
{ text_file "$T/t" 600; cat "$T/t"; printf '\000'; } >"$ROOT/late-nul"
{ printf 'text then a NUL\000 then text\n'; text_file "$T/t" 20000
    cat "$T/t"; } >"$ROOT/nul"
printf 'latin-1 \351t\351 is not UTF-8\n' >"$ROOT/latin1"
bin_file "$ROOT/random" 20000
printf 'plain words\n' >"$ROOT/odd.zzqx"	# unknown extension: sniffed
start_hauld

ctype()
{
	fetch "$T/got" "$T/h" "$(url "/download/$1")"
	must_equal "$(status "$T/h")" 200 "status of $1"
	must_cmp "$T/got" "$ROOT/$1" "body of $1"
	hdr "$T/h" Content-Type
}

must_match "$(ctype a.txt)" 'text/plain*' a.txt
must_match "$(ctype a.json)" 'application/json*' a.json
must_match "$(ctype a.html)" 'text/html*' a.html
must_match "$(ctype a.css)" 'text/css*' a.css
must_match "$(ctype a.csv)" 'text/csv*' a.csv
must_match "$(ctype a.svg)" 'image/svg+xml*' a.svg
must_match "$(ctype a.js)" '*/javascript*' a.js
must_equal "$(ctype a.png)" image/png "a.png holding text"
must_match "$(ctype a.gz)" 'application/*gzip' a.gz
must_match "$(ctype sub.dir/README)" 'text/plain*' "sub.dir/README"
must_match "$(ctype notes)" 'text/plain*' "text without extension"
must_match "$(ctype utf8)" 'text/plain*' "UTF-8 text without extension"
must_match "$(ctype late-nul)" 'text/plain*' "NUL after byte 512"
must_equal "$(ctype nul)" application/octet-stream "NUL in the first bytes"
must_equal "$(ctype latin1)" application/octet-stream "invalid UTF-8"
must_equal "$(ctype random)" application/octet-stream "random bytes"
must_match "$(ctype odd.zzqx)" 'text/plain*' "unknown extension, text"

# Sniffed types decide compression too.
fetch "$T/got" "$T/h" --compressed "$(url /download/notes)"
must_equal "$(hdr "$T/h" Content-Encoding)" gzip "sniffed text compressed"
must_cmp "$T/got" "$ROOT/notes" "sniffed text, decompressed"
fetch "$T/got" "$T/h" --compressed "$(url /download/nul)"
has_hdr "$T/h" Content-Encoding && fail "sniffed binary compressed"
must_cmp "$T/got" "$ROOT/nul" "sniffed binary body"

# Sniffing looks at the file's start even for a range elsewhere.
fetch "$T/got" "$T/h" -r 20000-20009 "$(url /download/nul)"
must_equal "$(hdr "$T/h" Content-Type)" application/octet-stream \
    "type of a range of a binary file"

log ok
