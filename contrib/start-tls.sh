#!/bin/sh
# make start-tls: both daemons over TLS with authorization, in the
# foreground, with a throwaway CA, certificate, token and URL key made
# under BUILDDIR/start-tls (kept between runs; delete it for new ones):
#   hauld      https://localhost:8443  (files/, --auth-tokens, --url-key,
#              tus uploads into uploads-tls/)
#   haulproxy  https://localhost:8889  (downloads-tls/, fetching from hauld
#              over https with --cacert and --origin-token; its own API
#              behind the same token)
# Prints the token and curl lines to try.  Ctrl+C stops both.
# Usage: start-tls.sh BUILDDIR SRCDIR
set -u
build=$1
src=$2
d=$build/start-tls
. "$src/tests/certs.sh"
sh "$src/contrib/make-sample.sh" "$src/files" || exit 1
if [ ! -s "$d/ca.pem" ]; then
	echo "start-tls: making a throwaway CA and certificate in $d"
	make_certs "$d" || { echo "start-tls: openssl failed" >&2; exit 1; }
fi
umask 077
if [ ! -s "$d/token" ]; then
	# 32 random bytes as base64url: a token of the RFC 6750 set.
	openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n' >"$d/token"
	echo >>"$d/token"
	openssl rand -hex 32 >"$d/url.key"
fi
token=$(cat "$d/token")
mkdir -p downloads-tls uploads-tls
"$build/src/hauld/hauld" -p 8443 -r "$src/files" -s hauld-tls.stats \
    --tls-cert "$d/srv.pem" --tls-key "$d/srv.key" \
    --auth-tokens "$d/token" --url-key "$d/url.key" -U uploads-tls &
hauld=$!
"$build/src/haulproxy/haulproxy" -p 8889 -o https://localhost:8443 \
    --cacert "$d/ca.pem" --origin-token "$d/token" -D downloads-tls \
    -s haulproxy-tls.stats --tls-cert "$d/srv.pem" --tls-key "$d/srv.key" \
    --auth-tokens "$d/token" &
proxy=$!
stop()
{
	trap - INT TERM
	kill -TERM "$hauld" "$proxy" 2>/dev/null
	wait "$hauld" "$proxy" 2>/dev/null
	exit 0
}
trap stop INT TERM
signed=$("$build/src/hauld/hauld" --url-key "$d/url.key" \
    --sign /download/sample.bin --ttl 3600)
cat <<MSG
hauld on https://localhost:8443/download/ (files/), haulproxy on
https://localhost:8889/download/ (downloads-tls/), both over TLS with
the CA in $d/ca.pem and this token (in $d/token):

  $token

Try:
  curl --cacert $d/ca.pem -H "Authorization: Bearer $token" \\
      -r 0-1023 -o part https://localhost:8443/download/sample.bin
  curl --cacert $d/ca.pem -H "Authorization: Bearer $token" \\
      https://localhost:8889/download/sample.bin
  curl --cacert $d/ca.pem 'https://localhost:8443$signed'   # signed, 1 h
  curl --cacert $d/ca.pem https://localhost:8443/download/sample.bin  # 401
Upload (tus 1.0) into uploads-tls/:
  curl --cacert $d/ca.pem -i -X POST -H "Authorization: Bearer $token" \
      -H "Tus-Resumable: 1.0.0" -H "Upload-Length: 5" \
      -H "Upload-Metadata: filename $(printf hello.txt | base64)" \
      https://localhost:8443/uploads/          # 201, Location: ...
  curl --cacert $d/ca.pem -X PATCH -H "Authorization: Bearer $token" \
      -H "Tus-Resumable: 1.0.0" -H "Upload-Offset: 0" \
      -H "Content-Type: application/offset+octet-stream" \
      --data-binary hello LOCATION
Ctrl+C stops both.
MSG
while kill -0 "$hauld" 2>/dev/null && kill -0 "$proxy" 2>/dev/null; do
	sleep 1
done
echo "start-tls: a daemon exited; stopping the other" >&2
stop
