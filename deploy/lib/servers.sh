# shellcheck shell=bash
# The machine's servers: PostgreSQL, RabbitMQ, Open vSwitch, libvirt. One way to start each,
# used by deploy/cloud and by the test fixtures.
#
# Each server NAME has server_NAME_running, server_NAME_start, server_NAME_stop and
# server_NAME_pid (its main process). server_up/server_down wrap them: server_up starts a server
# only when it is not running and then leaves a marker "started-NAME" holding that pid in a
# directory of the caller's choice; server_down stops only a server whose marker names the
# process that runs now, so servers someone else started are left alone, even after a crash.

# shellcheck disable=SC2034  # used by deploy/cloud
STRATUS_SERVERS=(postgres rabbitmq ovs libvirt)

PG_VERSION=${PG_VERSION:-15}
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
OVS_CTL=/usr/share/openvswitch/scripts/ovs-ctl

# server_up NAME MARKER_DIR
server_up() {
  local name=$1 markers=$2 t0
  if "server_${name}_running"; then
    # A marker names the process it was written for: one left by a run that died (its server
    # since stopped and started again by someone else) must not let our server_down stop it.
    if [[ -e $markers/started-$name && $(<"$markers/started-$name") != "$("server_${name}_pid")" ]]; then
      rm -f "$markers/started-$name"
    fi
    log "$name: already running (left as it is)"
    return 0
  fi
  t0=$(now)
  # 9>&-: daemons must not inherit deploy/cloud's lock (fd 9).
  "server_${name}_start" 9>&-
  mkdir -p "$markers"
  "server_${name}_pid" >"$markers/started-$name"
  log "$name: started in $(elapsed "$t0") s"
}

# server_down NAME MARKER_DIR
server_down() {
  local name=$1 markers=$2
  if [[ ! -e $markers/started-$name ]]; then
    log "$name: not started by us (left running if it runs)"
    return 0
  fi
  if "server_${name}_running"; then
    if [[ $(<"$markers/started-$name") == "$("server_${name}_pid")" ]]; then
      "server_${name}_stop"
      log "$name: stopped"
    else
      log "$name: runs, but not the process we started (left running)"
    fi
  fi
  rm -f "$markers/started-$name"
}

# pid_in FILE: the first line of a pid file, or nothing.
pid_in() {
  if [[ -r $1 ]]; then head -n 1 "$1" | tr -dc 0-9; fi
}

# ---- PostgreSQL: the Debian cluster 15/main, listening on loopback only ----------------------

server_postgres_running() {
  pg_ctlcluster "$PG_VERSION" main status >/dev/null 2>&1
}

server_postgres_pid() {
  pid_in "/var/lib/postgresql/$PG_VERSION/main/postmaster.pid"
}

server_postgres_start() {
  if [[ ! -d /etc/postgresql/$PG_VERSION/main ]]; then
    pg_createcluster "$PG_VERSION" main >/dev/null
  fi
  local conf=/etc/postgresql/$PG_VERSION/main/conf.d/stratus.conf
  if [[ ! -f $conf ]]; then
    echo "# Written by Stratus deploy/cloud: loopback only." >"$conf"
    echo "listen_addresses = '127.0.0.1'" >>"$conf"
  fi
  pg_ctlcluster "$PG_VERSION" main start
}

server_postgres_stop() {
  pg_ctlcluster "$PG_VERSION" main stop -m fast
}

# psql_admin: psql as the superuser on the Debian cluster; SQL on stdin.
psql_admin() {
  runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres
}

# pg_ensure_role_and_dbs ROLE PASSWORD DB...: create or update the role and create missing DBs.
pg_ensure_role_and_dbs() {
  local role=$1 password=$2 db; shift 2
  [[ $password =~ ^[A-Za-z0-9]+$ ]] || die "refusing a password with quotes or spaces"
  {
    echo "SELECT 'CREATE ROLE $role LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') \\gexec"
    echo "ALTER ROLE $role WITH LOGIN PASSWORD '$password';"
    for db in "$@"; do
      echo "SELECT 'CREATE DATABASE $db OWNER $role' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \\gexec"
    done
  } | psql_admin >/dev/null
}

# pg_drop_dbs DB...: drop those of the databases that exist, saying so (a new state dir).
pg_drop_dbs() {
  local db existing
  for db in "$@"; do
    existing=$(echo "SELECT 1 FROM pg_database WHERE datname = '$db'" | runuser -u postgres -- psql -X -At -d postgres)
    [[ $existing == 1 ]] || continue
    log "postgres: new state dir $STRATUS_STATE: dropping database $db of an earlier cloud"
    echo "DROP DATABASE $db WITH (FORCE);" | psql_admin >/dev/null
  done
}

# ---- A private, throwaway PostgreSQL cluster (tests) -----------------------------------------
# DIR holds data/, the socket and log; trust auth, superuser "postgres", loopback PORT.

# pg_private_as_owner COMMAND...: run as user postgres when we are root (initdb refuses root).
pg_private_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_private_running() {
  local dir=$1
  [[ -f $dir/data/PG_VERSION ]] && pg_private_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

pg_private_start() {
  local dir=$1 port=$2
  if pg_private_running "$dir"; then
    if port_open 127.0.0.1 "$port"; then
      log "postgres (private, $dir): already running"
      return 0
    fi
    # Running, but started for another port: tests would be told "ready" and find nobody.
    log "postgres (private, $dir): running on another port; restarting it on $port"
    pg_private_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  if port_open 127.0.0.1 "$port"; then
    # Another trust-auth PostgreSQL already serves the port (a developer's own, or a second
    # build dir's fixture): tests make their own databases, so it serves them as well.
    if PGCONNECT_TIMEOUT=5 psql -X -Atq -w -d "postgresql://postgres@127.0.0.1:$port/postgres" -c 'select 1' >/dev/null 2>&1; then
      log "postgres (private): port $port already serves PostgreSQL with trust auth ($(port_owner "$port")): using it"
      return 0
    fi
    die "port $port is taken by another server ($(port_owner "$port")); set STRATUS_TEST_PG_PORT and STRATUS_TEST_PG_URL to use another"
  fi
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    pg_private_as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
      die "initdb failed: see $dir/initdb.log"
  fi
  pg_private_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
    -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || die "private PostgreSQL did not start: see $dir/postgres.log"
}

pg_private_stop() {
  local dir=$1
  if pg_private_running "$dir"; then
    pg_private_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  fi
}

# port_owner PORT: "pid NNN (command)" of the listener on PORT, as far as ss can tell.
port_owner() {
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(.*)' | head -n 1 || true
}

# ---- RabbitMQ: the machine's node, bound to loopback --------------------------------------
# rabbitmq-server and rabbitmqctl honour RABBITMQ_NODENAME etc. from the environment.

server_rabbitmq_running() {
  rabbitmqctl -q status >/dev/null 2>&1
}

server_rabbitmq_pid() {
  pgrep -o -x beam.smp || true
}

rabbitmq_configure_loopback() {
  local conf=${STRATUS_RABBITMQ_CONF:-/etc/rabbitmq/rabbitmq.conf}
  local env=${STRATUS_RABBITMQ_ENV:-/etc/rabbitmq/rabbitmq-env.conf}
  if ! grep -qs '^listeners.tcp' "$conf"; then
    {
      echo "# Written by Stratus deploy/cloud: AMQP and Erlang distribution on loopback only."
      echo "listeners.tcp.default = 127.0.0.1:5672"
      echo "distribution.listener.interface = 127.0.0.1"
    } >>"$conf"
  fi
  # epmd (the Erlang name server) can only move to loopback when the host name resolves to a
  # loopback address, because rabbitmqctl finds the node through it by host name.
  local addr
  addr=$(getent hosts "$(hostname -s)" | awk '{ print $1; exit }')
  if [[ $addr == 127.* ]] && ! grep -qs 'ERL_EPMD_ADDRESS' "$env"; then
    echo "export ERL_EPMD_ADDRESS=127.0.0.1" >>"$env"
  fi
}

server_rabbitmq_start() {
  rabbitmq_configure_loopback
  rabbitmq-server -detached
  # -detached returns at once and the node registers with epmd a little later, so the first
  # await_startup can fail with "node not running": retry until it answers (usually 4-12 s).
  wait_until 90 "RabbitMQ to boot" rabbitmqctl -q await_startup --timeout 10 >/dev/null 2>&1 ||
    die "RabbitMQ did not start: see /var/log/rabbitmq/"
}

server_rabbitmq_stop() {
  rabbitmqctl -q stop >/dev/null
  # epmd outlives the node; -kill only succeeds when no other Erlang node still uses it.
  epmd -kill >/dev/null 2>&1 || true
}

# rabbitmq_ensure_vhost_user VHOST USER PASSWORD
rabbitmq_ensure_vhost_user() {
  local vhost=$1 user=$2 password=$3
  # Fast path (each rabbitmqctl costs a second or more): vhost, permissions and password in place.
  if rabbitmqctl -q list_permissions -p "$vhost" 2>/dev/null | grep -E "^${user}[[:space:]]+\.\*[[:space:]]+\.\*[[:space:]]+\.\*$" >/dev/null &&
    printf '%s\n' "$password" | rabbitmqctl -q authenticate_user "$user" >/dev/null 2>&1; then
    return 0
  fi
  rabbitmqctl -q list_vhosts name | grep -x "$vhost" >/dev/null || rabbitmqctl -q add_vhost "$vhost" >/dev/null
  if rabbitmqctl -q list_users | awk '{ print $1 }' | grep -x "$user" >/dev/null; then
    printf '%s\n' "$password" | rabbitmqctl -q change_password "$user" >/dev/null
  else
    printf '%s\n' "$password" | rabbitmqctl -q add_user "$user" >/dev/null
  fi
  rabbitmqctl -q set_permissions -p "$vhost" "$user" '.*' '.*' '.*' >/dev/null
}

# ---- Open vSwitch --------------------------------------------------------------------------

server_ovs_running() {
  "$OVS_CTL" status >/dev/null 2>&1
}

server_ovs_pid() {
  pid_in /var/run/openvswitch/ovsdb-server.pid
}

server_ovs_start() {
  "$OVS_CTL" --no-monitor start --system-id=random >/dev/null 2>&1 ||
    die "Open vSwitch did not start: see /var/log/openvswitch/"
}

server_ovs_stop() {
  "$OVS_CTL" stop >/dev/null 2>&1
}

# ---- libvirt (virtlogd + libvirtd), URI qemu:///system -------------------------------------

server_libvirt_running() {
  pidfile_alive /run/libvirtd.pid && pidfile_alive /run/virtlogd.pid && [[ -S /run/libvirt/libvirt-sock ]]
}

server_libvirt_pid() {
  pid_in /run/libvirtd.pid
}

server_libvirt_start() {
  pidfile_alive /run/virtlogd.pid || virtlogd -d
  pidfile_alive /run/libvirtd.pid || libvirtd -d
  wait_until 30 "libvirtd's socket" test -S /run/libvirt/libvirt-sock ||
    die "libvirtd did not start: see /var/log/libvirt/"
}

server_libvirt_stop() {
  local name
  for name in libvirtd virtlogd; do
    if pidfile_alive "/run/$name.pid"; then
      stop_pid "$(<"/run/$name.pid")" "$name" 15
    fi
  done
}
