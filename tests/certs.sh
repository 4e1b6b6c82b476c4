# tests/certs.sh: test certificates made with the openssl CLI, for the
# TLS tests (POSIX sh; sourced, it only defines a function).
#
# make_certs DIR writes into DIR (created if needed):
#   ca.pem ca.key           a test CA
#   srv.pem srv.key         a server certificate from the CA for
#                           127.0.0.1, ::1 and localhost
#   expired.pem             the same key, valid only in the past
#   wronghost.pem           the same key, for "wrong.example" only
#   other-ca.pem other.key  an unrelated CA, and
#   other.pem               a server cert from it for 127.0.0.1/localhost
#   cca.pem cca.key         a client CA
#   cli.pem cli.key         a client certificate from the client CA
#   badcli.pem badcli.key   a client certificate from the other CA
#   garbage.pem             not a certificate
# Keys are P-256 (quick to make).  Returns non-zero if openssl fails.

certs_key()
{
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$1" 2>/dev/null
}

# certs_issue DIR NAME KEY ISSUER ISSUERKEY SUBJ SAN DAYS [STARTDAYS]
certs_issue()
{
	_ct_ext="$1/$2.ext"
	{
		echo "basicConstraints=CA:FALSE"
		[ -n "$7" ] && echo "subjectAltName=$7"
		echo "keyUsage=digitalSignature"
	} >"$_ct_ext"
	openssl req -new -key "$3" -subj "$6" -out "$1/$2.csr" 2>/dev/null &&
		openssl x509 -req -in "$1/$2.csr" -CA "$4" -CAkey "$5" \
			-CAcreateserial -days "$8" -extfile "$_ct_ext" \
			-out "$1/$2.pem" 2>/dev/null
	_ct_rc=$?
	rm -f "$1/$2.csr" "$_ct_ext"
	return $_ct_rc
}

certs_ca()
{
	certs_key "$1/$3.key" &&
		openssl req -x509 -new -key "$1/$3.key" -subj "/CN=$2" \
			-days 30 -addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=keyCertSign,cRLSign \
			-out "$1/$4.pem" 2>/dev/null
}

make_certs()
{
	mkdir -p "$1" || return 1
	_ct_san="DNS:localhost,IP:127.0.0.1,IP:::1"
	certs_ca "$1" "haul test CA" ca ca &&
		certs_ca "$1" "other CA" other-ca other-ca &&
		certs_ca "$1" "haul client CA" cca cca &&
		certs_key "$1/srv.key" &&
		certs_issue "$1" srv "$1/srv.key" "$1/ca.pem" "$1/ca.key" \
			/CN=localhost "$_ct_san" 30 &&
		certs_issue "$1" wronghost "$1/srv.key" "$1/ca.pem" \
			"$1/ca.key" /CN=wrong.example DNS:wrong.example 30 &&
		certs_key "$1/other.key" &&
		certs_issue "$1" other "$1/other.key" "$1/other-ca.pem" \
			"$1/other-ca.key" /CN=localhost "$_ct_san" 30 &&
		certs_key "$1/cli.key" &&
		certs_issue "$1" cli "$1/cli.key" "$1/cca.pem" "$1/cca.key" \
			/CN=client "" 30 &&
		certs_key "$1/badcli.key" &&
		certs_issue "$1" badcli "$1/badcli.key" "$1/other-ca.pem" \
			"$1/other-ca.key" /CN=intruder "" 30 &&
		certs_expired "$1" || return 1
	echo "not a certificate" >"$1/garbage.pem"
	# openssl's -CAcreateserial leaves .srl files; they are harmless.
	return 0
}

# An expired certificate for the server key: x509 -days cannot go back in
# time, so a tiny CA config with "openssl ca" sets explicit dates.
certs_expired()
{
	_ct_d="$1/expca"
	mkdir -p "$_ct_d" && : >"$_ct_d/index.txt" && echo 01 >"$_ct_d/serial"
	cat >"$_ct_d/ca.cnf" <<EOF
[ca]
default_ca = d
[d]
database = $_ct_d/index.txt
serial = $_ct_d/serial
new_certs_dir = $_ct_d
certificate = $1/ca.pem
private_key = $1/ca.key
default_md = sha256
policy = p
copy_extensions = none
[p]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
EOF
	openssl req -new -key "$1/srv.key" -subj /CN=localhost \
		-out "$_ct_d/exp.csr" 2>/dev/null &&
		openssl ca -batch -config "$_ct_d/ca.cnf" -extensions ext \
			-startdate 20200101000000Z -enddate 20200201000000Z \
			-in "$_ct_d/exp.csr" -out "$1/expired.pem" \
			-notext >/dev/null 2>&1
	_ct_rc=$?
	rm -rf "$_ct_d"
	return $_ct_rc
}
