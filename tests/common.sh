# tests/common.sh: process helpers shared by tests/lib.sh (so by every
# integration test; POSIX sh, /bin/sh is dash) and by bench/run.sh (bash).
#
# Whether a PID is alive, its children, waiting for it to end, polling a
# command, learning a daemon's port from its HAUL_PORT_FILE, waiting
# until it answers, a free port, and ending a process and its children
# by PID.  Only functions: sourcing it starts nothing.  POSIX sh has no
# "local", so the scratch variables are named _cm_*.

# alive PID: running and not a zombie.
alive()
{
	[ -r "/proc/$1/stat" ] || return 1
	case $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) in
	Z | X | "") return 1 ;;
	esac
	return 0
}

# children PID: its live (not zombie) child PIDs, one a line, sorted: the
# workers of a master.
children()
{
	for _cm_c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
		alive "$_cm_c" && echo "$_cm_c"
	done | sort -n
}

# wait_dead PID SECS: 0 once PID is gone, 1 after SECS.
wait_dead()
{
	_cm_n=$(($2 * 10))
	while [ "$_cm_n" -gt 0 ]; do
		alive "$1" || return 0
		sleep 0.1
		_cm_n=$((_cm_n - 1))
	done
	alive "$1" && return 1
	return 0
}

# until_true SECS CMD...: poll CMD every 0.1 s; 0 once it succeeds.
until_true()
{
	_cm_t=$(($1 * 10))
	shift
	while [ "$_cm_t" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_cm_t=$((_cm_t - 1))
	done
	"$@"
}

# port_from_file FILE PID SECS: print the port a daemon started with
# HAUL_PORT_FILE=FILE and -p 0 wrote there (it writes it whole, under a
# temporary name first).  1 if PID ended first, 2 after SECS without one.
port_from_file()
{
	_cm_n=0
	while ! [ -s "$1" ]; do
		alive "$2" || return 1
		_cm_n=$((_cm_n + 1))
		[ "$_cm_n" -ge $(($3 * 10)) ] && return 2
		sleep 0.1
	done
	head -n 1 "$1"
}

# wait_serving PID SECS CMD...: poll CMD (a request to the daemon PID)
# every 0.1 s until it succeeds: 0; 1 if PID ended first, 2 after SECS.
wait_serving()
{
	_cm_pid=$1
	_cm_w=$(($2 * 10))
	shift 2
	until "$@"; do
		alive "$_cm_pid" || return 1
		_cm_w=$((_cm_w - 1))
		[ "$_cm_w" -le 0 ] && return 2
		sleep 0.1
	done
	return 0
}

# free_port: a TCP port on 127.0.0.1 that nobody listened on a moment ago
# (python3 binds port 0; without python3, a random one that ss does not
# show in use).  The caller still retries if the port is taken by then.
free_port()
{
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
		return
	fi
	while :; do
		_cm_p=$(awk -v s="$$$(date +%N)" \
		    'BEGIN { srand(s); print 20000 + int(rand() * 12000) }')
		if ! command -v ss >/dev/null 2>&1 ||
		    [ -z "$(ss -Htln "sport = :$_cm_p" 2>/dev/null)" ]; then
			echo "$_cm_p"
			return
		fi
	done
}

# kill_tree PID SIG SECS: send SIG to PID if it is alive, KILL it if it
# is still there after SECS, then KILL whichever of its children (its
# workers) outlived it.  The caller reaps PID with wait.
kill_tree()
{
	alive "$1" || return 0
	_cm_kids=$(children "$1")
	kill -"$2" "$1" 2>/dev/null
	wait_dead "$1" "$3" || kill -KILL "$1" 2>/dev/null
	for _cm_k in $_cm_kids; do
		alive "$_cm_k" && kill -KILL "$_cm_k" 2>/dev/null
	done
	return 0
}
