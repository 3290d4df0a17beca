#!/usr/bin/env bash
# pgcluster.sh: a private PostgreSQL cluster in one directory, for the test
# suites and the demo. Called by tests/lib/pgcluster.c and by hand.
#
#   pgcluster.sh start DIR              initdb if DIR/data is absent, start,
#                                       print the libpq conninfo on stdout
#   pgcluster.sh stop DIR [fast|immediate]
#   pgcluster.sh status DIR             exit 0 running, 3 stopped, 4 no cluster
#   pgcluster.sh psql DIR [psql args]   psql connected to database farol
#   pgcluster.sh destroy DIR            stop immediate, then rm -rf DIR
#   pgcluster.sh standby DIR PRIMARY    a streaming standby of the running
#                                       cluster in PRIMARY (pg_basebackup -R),
#                                       started; print its conninfo
#   pgcluster.sh promote DIR            promote the standby in DIR, wait
#
# The server listens only on a Unix socket inside DIR (no TCP), trusts local
# connections, owns a database "farol" and a superuser role "farol". Only the
# conninfo line is ever written to stdout; everything else goes to stderr.
#
# As root, PostgreSQL refuses to run, so initdb, pg_ctl and postgres run as
# an unprivileged user (PGCLUSTER_RUNAS, default nobody) and DIR is chowned
# to it. Nothing here may touch a directory other than DIR.
#
# Environment knobs:
#   PGCLUSTER_FSYNC=off      turn fsync off (speed; default on, durability
#                            tests need real commits)
#   PGCLUSTER_TIMEOUT=30     seconds to wait for the server to accept
#   PGCLUSTER_RUNAS=nobody   unprivileged user when invoked as root
#   PGCLUSTER_FIX_PARENTS=1  as root, chmod o+x parents of DIR that the
#                            unprivileged user cannot search (default: fail)
#   PGCLUSTER_BINDIR=...     server binaries (default: pg_config --bindir,
#                            then /usr/lib/postgresql/*/bin)
set -euo pipefail

prog=pgcluster.sh
role=farol
dbname=farol
timeout=${PGCLUSTER_TIMEOUT:-30}
fsync=${PGCLUSTER_FSYNC:-on}

die() {
	echo "$prog: $*" >&2
	exit 1
}

usage() {
	echo "usage: $prog start|stop|status|psql|destroy|standby|promote DIR [args]" >&2
	exit 2
}

find_bindir() {
	local d
	if [ -n "${PGCLUSTER_BINDIR:-}" ]; then
		echo "$PGCLUSTER_BINDIR"
		return
	fi
	if command -v pg_config >/dev/null 2>&1; then
		d=$(pg_config --bindir 2>/dev/null || true)
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	fi
	# Newest version first.
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5 -rn); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return
		fi
	done
	die "no PostgreSQL server binaries (initdb, pg_ctl) found; set PGCLUSTER_BINDIR"
}

# as_pg CMD...: run CMD as the cluster owner (unprivileged when we are root).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$dir" && setpriv --reuid="$runas_uid" --regid="$runas_gid" \
		    --clear-groups -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}

# check_traversable: every parent of DIR must be searchable by the
# unprivileged user, or postgres cannot reach its data directory.
check_traversable() {
	local p=$dir
	while [ "$p" != "/" ]; do
		p=$(dirname "$p")
		if ! setpriv --reuid="$runas_uid" --regid="$runas_gid" \
		    --clear-groups -- test -x "$p"; then
			if [ "${PGCLUSTER_FIX_PARENTS:-0}" = 1 ]; then
				echo "$prog: chmod o+x $p" >&2
				chmod o+x "$p"
				continue
			fi
			die "$p is not searchable by user $runas (uid $runas_uid);" \
			    "choose a DIR under /tmp, or set PGCLUSTER_FIX_PARENTS=1" \
			    "to chmod o+x such parents"
		fi
	done
}

setup_dir() {
	[ -n "${1:-}" ] || usage
	if [ "$verb" = start ] || [ "$verb" = standby ]; then
		mkdir -p -- "$1"
	elif [ ! -d "$1" ]; then
		# Nothing to stop or destroy.
		case $verb in
		status) echo "no cluster in $1"; exit 4 ;;
		psql) die "$1: no such directory" ;;
		*) exit 0 ;;
		esac
	fi
	dir=$(cd -- "$1" && pwd -P)
	data=$dir/data
	log=$dir/server.log
	# Unix socket paths are limited to 107 bytes.
	sock=$dir/.s.PGSQL.5432
	[ "${#sock}" -le 107 ] || die "$dir is too long for a Unix socket path"
	case $dir in
	*[[:space:]\'\"\\]*) die "$dir: whitespace, quotes and backslashes are not supported" ;;
	esac
	conninfo="host=$dir port=5432 dbname=$dbname user=$role"
	if [ "$(id -u)" -eq 0 ]; then
		runas=${PGCLUSTER_RUNAS:-nobody}
		runas_uid=$(id -u "$runas") || die "no user $runas"
		runas_gid=$(id -g "$runas")
	fi
}

pg_status() {
	[ -f "$data/PG_VERSION" ] || return 4
	local rc=0
	as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1 || rc=$?
	return "$rc"
}

# psql_bin: the psql next to the server binaries, else the one in PATH.
psql_bin() {
	if [ -x "$bindir/psql" ]; then
		echo "$bindir/psql"
	else
		echo psql
	fi
}

# probe: succeeds when the server accepts a query on database $1.
probe() {
	"$(psql_bin)" -X -q -A -t -v ON_ERROR_STOP=1 \
	    -d "host=$dir port=5432 dbname=$1 user=$role connect_timeout=2" \
	    -c 'SELECT 1' >/dev/null 2>&1
}

cmd_start() {
	bindir=$(find_bindir)
	if [ "$(id -u)" -eq 0 ]; then
		chown "$runas_uid:$runas_gid" "$dir"
		chmod 0700 "$dir"
		check_traversable
	fi
	if [ ! -f "$data/PG_VERSION" ]; then
		rm -rf -- "$data"
		# --no-sync: a crash of the whole host during initdb is not a
		# case the tests care about; the server itself keeps fsync.
		as_pg "$bindir/initdb" -D "$data" -U "$role" -A trust \
		    -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
		    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
		cat >>"$data/postgresql.conf" <<-EOF

		# pgcluster.sh: private cluster, Unix socket only
		listen_addresses = ''
		unix_socket_directories = '$dir'
		unix_socket_permissions = 0700
		port = 5432
		fsync = $fsync
		synchronous_commit = on
		max_connections = 40
		shared_buffers = 16MB
		timezone = 'UTC'
		log_timezone = 'UTC'
		log_min_messages = warning
		log_line_prefix = '%m [%p] '
		EOF
	fi
	if pg_status; then
		:	# already running: just report the conninfo
	else
		# A stale postmaster.pid from a killed server is handled by
		# postgres itself.
		as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t "$timeout" \
		    -o "-c fsync=$fsync" start >/dev/null 2>&1 ||
		    { tail -n 20 "$log" >&2 || true; die "server did not start"; }
	fi
	local deadline=$((SECONDS + timeout))
	until probe postgres; do
		[ "$SECONDS" -lt "$deadline" ] ||
		    die "server did not accept connections within ${timeout}s"
		sleep 0.1
	done
	if ! probe "$dbname"; then
		"$(psql_bin)" -X -q -v ON_ERROR_STOP=1 \
		    -d "host=$dir port=5432 dbname=postgres user=$role" \
		    -c "CREATE DATABASE $dbname" >/dev/null ||
		    die "could not create database $dbname"
	fi
	echo "$conninfo"
}

# cmd_standby PRIMARY: DIR/data becomes a base backup of the cluster in
# PRIMARY, which then streams to it (-c fast: a checkpoint now, not one
# spread over minutes). The copied postgresql.conf names
# PRIMARY's socket directory; the block appended here overrides it.
cmd_standby() {
	local primary
	primary=$(cd -- "$1" && pwd -P) || die "$1: no such directory"
	bindir=$(find_bindir)
	[ ! -f "$data/PG_VERSION" ] || die "$dir already holds a cluster"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$runas_uid:$runas_gid" "$dir"
		chmod 0700 "$dir"
		check_traversable
	fi
	as_pg "$bindir/pg_basebackup" -D "$data" -R -X stream -c fast --no-sync \
	    -d "host=$primary port=5432 user=$role application_name=standby" \
	    >"$dir/basebackup.log" 2>&1 ||
	    { cat "$dir/basebackup.log" >&2; die "pg_basebackup failed"; }
	cat >>"$data/postgresql.conf" <<-EOF

	# pgcluster.sh: this cluster is a standby of $primary
	unix_socket_directories = '$dir'
	EOF
	cmd_start
}

cmd_promote() {
	bindir=$(find_bindir)
	as_pg "$bindir/pg_ctl" -D "$data" -w -t "$timeout" promote \
	    >/dev/null || die "promote failed"
}

cmd_stop() {
	local mode=${1:-fast}
	case $mode in
	fast|immediate|smart) ;;
	*) usage ;;
	esac
	[ -f "$data/PG_VERSION" ] || return 0
	bindir=$(find_bindir)
	pg_status || return 0
	as_pg "$bindir/pg_ctl" -D "$data" -m "$mode" -w -t "$timeout" stop \
	    >/dev/null || die "server did not stop"
}

cmd_destroy() {
	if [ -f "$data/PG_VERSION" ]; then
		cmd_stop immediate || true
	fi
	rm -rf -- "$dir"
}

[ $# -ge 2 ] || usage
verb=$1
shift
setup_dir "$1"
shift

case $verb in
start)
	[ $# -eq 0 ] || usage
	cmd_start
	;;
stop)
	[ $# -le 1 ] || usage
	cmd_stop "${1:-fast}"
	;;
status)
	bindir=$(find_bindir)
	rc=0
	pg_status || rc=$?
	case $rc in
	0) echo "running: $conninfo" ;;
	4) echo "no cluster in $dir" ;;
	*) echo "stopped: $dir" ;;
	esac
	exit "$rc"
	;;
psql)
	bindir=$(find_bindir)
	exec "$(psql_bin)" -X -d "$conninfo" "$@"
	;;
destroy)
	[ $# -eq 0 ] || usage
	cmd_destroy
	;;
standby)
	[ $# -eq 1 ] || usage
	cmd_standby "$1"
	;;
promote)
	[ $# -eq 0 ] || usage
	cmd_promote
	;;
*)
	usage
	;;
esac
