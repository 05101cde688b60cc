#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# up.sh - the oct nova tests' real Nova (adapted from the recipe in the
# project's notes): install (idempotent) and start a minimal REAL OpenStack (Zed, Debian 12
# packages: nova 26.2.2, neutron 21, keystone 22, glance 25, placement 8) on
# 127.0.0.1 only, all state under $REALNOVA_ROOT (default /tmp/oct-nova).
# Services (each started with setsid, pid in $REALNOVA_ROOT/run/NAME.pid):
#   mariadb (own datadir/socket/port)     rabbitmq (own epmd/ports, guest@loopback)
#   keystone (uwsgi, fernet tokens)       placement (uwsgi)
#   glance-api (eventlet, file store)     neutron-server (eventlet, ML2 linuxbridge,
#   neutron-linuxbridge-agent (no mappings, only there so ports bind)   local net type)
#   nova-api (uwsgi), nova-conductor, nova-scheduler,
#   nova-compute (compute_driver=fake.FakeDriver: no VMs, instances are dicts)
# Creates once: flavor "fake-tiny", a 1 KiB raw image, shared network "realnova-net"
# (192.0.2.0/24, TEST-NET-1), unlimited instance/port quotas for project admin.
# Re-running while everything is up just re-prints the endpoints; after down.sh it
# restarts on the kept state. REALNOVA_FRESH=1 (or down.sh --purge) starts from scratch.
# Prints shell-sourceable variables on stdout at the end; progress on stderr.
# Exit status non-zero (with the log to look at) if anything fails.
set -euo pipefail

ROOT=${REALNOVA_ROOT:-/tmp/oct-nova}
HOSTIP=127.0.0.1
KS_PORT=${REALNOVA_KEYSTONE_PORT:-15000}
GLANCE_PORT=${REALNOVA_GLANCE_PORT:-15292}
PLACEMENT_PORT=${REALNOVA_PLACEMENT_PORT:-15778}
NOVA_PORT=${REALNOVA_NOVA_PORT:-15774}
NEUTRON_PORT=${REALNOVA_NEUTRON_PORT:-15696}
AMQP_PORT=${REALNOVA_AMQP_PORT:-15670}
DB_PORT=${REALNOVA_DB_PORT:-15306}
RABBIT_DIST_PORT=${REALNOVA_RABBIT_DIST_PORT:-15680}
EPMD_PORT=${REALNOVA_EPMD_PORT:-15369}
ADMIN_PASS=${REALNOVA_ADMIN_PASSWORD:-secret}
PY=/usr/bin/python3            # never a pyenv/venv python: the packages live in dist-packages
# iptables brings ebtables (nft): neutron's linuxbridge agent lists ebtables'
# nat table when it starts, and without the command it dies; ports then fail
# to bind and every boot ends "Exhausted all hosts".
PKGS="mariadb-server python3-pymysql python3-neutron python3-nova python3-keystone python3-placement python3-glance python3-keystonemiddleware
      python3-glance-store rabbitmq-server uwsgi-core uwsgi-plugin-python3 curl jq iptables"

ETC=$ROOT/etc; ST=$ROOT/state; LOG=$ROOT/log; RUN=$ROOT/run; BIN=$ROOT/bin
KS_URL=http://$HOSTIP:$KS_PORT/v3
TRANSPORT=rabbit://guest:guest@$HOSTIP:$AMQP_PORT/
db() { echo "mysql+pymysql://realnova:$ADMIN_PASS@$HOSTIP:$DB_PORT/$1?charset=utf8"; }
T0=$(date +%s.%N)
say() { printf '[up.sh %6.1fs] %s\n' "$(awk "BEGIN{print $(date +%s.%N) - $T0}")" "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }

# ---------------------------------------------------------------- install
install_pkgs() {
  local missing=""
  for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  echo "[up.sh] installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Keep package postinsts from starting a system-wide rabbitmq: only add a
  # policy-rc.d if the machine has none, and remove only the one we added.
  local added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; added_policy=1
  fi
  local rc=0
  # shellcheck disable=SC2086 # $missing: a list of package names
  { apt-get update -q -o DPkg::Lock::Timeout=600 >/dev/null &&
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing >&2; } || rc=$?
  [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ $rc -eq 0 ] || { echo "[up.sh] apt-get failed rc=$rc" >&2; exit 1; }
}
install_pkgs
say "packages present"

# ---------------------------------------------------------------- helpers
alive() { # pid file names a live process (a zombie awaiting reaping does not count)
  local st; [ -f "$RUN/$1.pid" ] && st=$(ps -o stat= -p "$(cat "$RUN/$1.pid")" 2>/dev/null) && [ -n "$st" ] && [ "${st:0:1}" != Z ]; }
# start NAME CMD... : run in background (own session), log to $LOG/NAME.out, pid to $RUN/NAME.pid
start() {
  local name=$1; shift
  if alive "$name"; then say "$name already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  setsid "$@" >>"$LOG/$name.out" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  say "started $name (pid $!)"
}
wait_http() { # URL SECONDS NAME
  local i=0
  until curl -s -o /dev/null -m 2 "$1"; do
    i=$((i+1)); [ $i -gt $(($2*5)) ] && die "$3 did not answer on $1 (see $LOG/$3*)"
    alive "$3" || die "$3 died (see $LOG/$3.out, $LOG/$3.log)"
    sleep 0.2
  done
  say "$3 answers on $1"
}
all_up() { for s in mariadb epmd rabbitmq keystone placement glance neutron neutron-agent nova-api nova-conductor nova-scheduler nova-compute; do alive $s || return 1; done; }

print_env() {
  cat <<EOF
# ---- realnova endpoints (source this) ----
export OS_AUTH_URL=$KS_URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$ADMIN_PASS
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export REALNOVA_COMPUTE_URL=http://$HOSTIP:$NOVA_PORT/v2.1
export REALNOVA_IMAGE_URL=http://$HOSTIP:$GLANCE_PORT
export REALNOVA_NETWORK_URL=http://$HOSTIP:$NEUTRON_PORT
export REALNOVA_PLACEMENT_URL=http://$HOSTIP:$PLACEMENT_PORT
export REALNOVA_IMAGE_ID=$(cat "$ST/image_id")
export REALNOVA_FLAVOR_ID=$(cat "$ST/flavor_id")
export REALNOVA_HUGE_FLAVOR_ID=$(cat "$ST/huge_flavor_id")
export REALNOVA_NETWORK_ID=$(cat "$ST/network_id")   # boot with "networks":[{"uuid":...}] to get addresses
export REALNOVA_MIN_MICROVERSION=2.37   # needed for "networks": "none" (or "auto"/a list)
EOF
}

if [ "${REALNOVA_FRESH:-0}" = 1 ] && [ -d "$ROOT" ]; then
  all_up && die "REALNOVA_FRESH=1 but services are running: run down.sh first"
  rm -rf "$ST" "$LOG" "$RUN" "$ETC" "$BIN"
fi

if all_up && [ -f "$ST/.ready" ]; then
  say "already up"
  print_env
  exit 0
fi

mkdir -p "$ST/mysql" "$ETC"/{keystone,nova,placement,glance,neutron,rabbitmq} "$ST"/{nova/instances,nova/lock,neutron/lock,images,rabbit-home} "$LOG" "$RUN" "$BIN"

# ---------------------------------------------------------------- config files
authtoken() { # section body shared by nova/placement/glance (admin user as service user)
  cat <<EOF
[keystone_authtoken]
www_authenticate_uri = http://$HOSTIP:$KS_PORT
auth_url = http://$HOSTIP:$KS_PORT
auth_type = password
username = admin
password = $ADMIN_PASS
project_name = admin
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
EOF
}
ksauth() { # [section] for a keystoneauth client
  cat <<EOF
[$1]
auth_type = password
auth_url = http://$HOSTIP:$KS_PORT
username = admin
password = $ADMIN_PASS
project_name = admin
user_domain_name = Default
project_domain_name = Default
region_name = RegionOne
valid_interfaces = public
EOF
}

cat > "$ETC/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.default = $HOSTIP:$AMQP_PORT
loopback_users.guest = true
log.console = false
log.file.level = warning
EOF
echo '[].' > "$ETC/rabbitmq/enabled_plugins"
: > "$ETC/rabbitmq/rabbitmq-env.conf"

cat > "$ETC/keystone/keystone.conf" <<EOF
[DEFAULT]
log_file = $LOG/keystone.log
[database]
connection = $(db keystone)
[token]
provider = fernet
[fernet_tokens]
key_repository = $ST/fernet-keys
[credential]
key_repository = $ST/credential-keys
EOF

{ cat <<EOF
[DEFAULT]
log_file = $LOG/placement.log
[placement_database]
connection = $(db placement)
[api]
auth_strategy = keystone
EOF
authtoken; } > "$ETC/placement/placement.conf"

{ cat <<EOF
[DEFAULT]
bind_host = $HOSTIP
bind_port = $GLANCE_PORT
workers = 0
log_file = $LOG/glance.log
[database]
connection = $(db glance)
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $ST/images/
[paste_deploy]
flavor = keystone
config_file = $ETC/glance/glance-api-paste.ini
EOF
authtoken; } > "$ETC/glance/glance-api.conf"
cat > "$ETC/glance/glance-api-paste.ini" <<'EOF'
[pipeline:glance-api-keystone]
pipeline = cors healthcheck http_proxy_to_wsgi versionnegotiation authtoken context rootapp
[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app
[app:apiversions]
paste.app_factory = glance.api.versions:create_resource
[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory
[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory
[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = glance
oslo_config_program = glance-api
[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
EOF

{ cat <<EOF
[DEFAULT]
host = realnova-compute
my_ip = $HOSTIP
transport_url = $TRANSPORT
compute_driver = fake.FakeDriver
state_path = $ST/nova
instances_path = $ST/nova/instances
enabled_apis = osapi_compute
use_rootwrap_daemon = false
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = $ETC/nova/api-paste.ini
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = -1
[oslo_concurrency]
lock_path = $ST/nova/lock
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[glance]
region_name = RegionOne
valid_interfaces = public
EOF
authtoken; ksauth placement; ksauth neutron; } > "$ETC/nova/nova-cpu.conf"
# nova-compute gets no database sections (it must go through conductor; with them it
# logs "No DB access allowed in nova-compute" errors); every other nova service does
{ cat "$ETC/nova/nova-cpu.conf"; cat <<EOF
[api_database]
connection = $(db nova_api)
[database]
connection = $(db nova_cell1)
EOF
} > "$ETC/nova/nova.conf"
{ cat <<EOF
[DEFAULT]
bind_host = $HOSTIP
bind_port = $NEUTRON_PORT
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = $TRANSPORT
api_paste_config = $ETC/neutron/api-paste.ini
api_workers = 1
rpc_workers = 0
rpc_state_report_workers = 0
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
state_path = $ST/neutron
log_file = $LOG/neutron.log
[database]
connection = $(db neutron)
[ml2]
type_drivers = local,flat
tenant_network_types = local
mechanism_drivers = linuxbridge
extension_drivers = port_security
[ml2_type_flat]
flat_networks = *
[experimental]
linuxbridge = true
[oslo_concurrency]
lock_path = $ST/neutron/lock
EOF
authtoken; } > "$ETC/neutron/neutron.conf"
# L2 agent: only so that ML2 can bind ports on host realnova-compute (vif_type bridge).
# No mappings, no vxlan, noop firewall: with the fake virt driver no tap device ever
# appears, so it never touches the host's networking; it just heartbeats over RPC.
cat > "$ETC/neutron/linuxbridge_agent.ini" <<EOF
[DEFAULT]
host = realnova-compute
log_file = $LOG/neutron-linuxbridge-agent.log
[linux_bridge]
physical_interface_mappings =
bridge_mappings =
[vxlan]
enable_vxlan = false
[securitygroup]
enable_security_group = false
firewall_driver = noop
[agent]
polling_interval = 2
report_interval = 5
EOF
# we are root: run privsep daemons directly instead of through sudo (they stay in the agent's process group)
for sec in privsep privsep_link privsep_dhcp_release privsep_ovs_vsctl privsep_namespace privsep_conntrack; do
  printf '[%s]\nhelper_command = privsep-helper --config-file %s --config-file %s\n' "$sec" \
    "$ETC/neutron/neutron.conf" "$ETC/neutron/linuxbridge_agent.ini" >> "$ETC/neutron/linuxbridge_agent.ini"
done
cat > "$ETC/neutron/api-paste.ini" <<'EOF'
[composite:neutron]
use = egg:Paste#urlmap
/: neutronversions_composite
/v2.0: neutronapi_v2_0
[composite:neutronapi_v2_0]
use = call:neutron.auth:pipeline_factory
noauth = cors http_proxy_to_wsgi request_id catch_errors extensions neutronapiapp_v2_0
keystone = cors http_proxy_to_wsgi request_id catch_errors authtoken keystonecontext extensions neutronapiapp_v2_0
[composite:neutronversions_composite]
use = call:neutron.auth:pipeline_factory
noauth = cors http_proxy_to_wsgi neutronversions
keystone = cors http_proxy_to_wsgi neutronversions
[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory
[filter:catch_errors]
paste.filter_factory = oslo_middleware:CatchErrors.factory
[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = neutron
[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory
[filter:keystonecontext]
paste.filter_factory = neutron.auth:NeutronKeystoneContext.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
[filter:extensions]
paste.filter_factory = neutron.api.extensions:plugin_aware_extension_middleware_factory
[app:neutronversions]
paste.app_factory = neutron.pecan_wsgi.app:versions_factory
[app:neutronapiapp_v2_0]
paste.app_factory = neutron.api.v2.router:APIRouter.factory
EOF
cat > "$ETC/nova/api-paste.ini" <<'EOF'
[composite:osapi_compute]
use = call:nova.api.openstack.urlmap:urlmap_factory
/: oscomputeversions
/v2.1: oscomputeversion_v2
/v2.1/+: openstack_compute_api_v21
[composite:openstack_compute_api_v21]
use = call:nova.api.auth:pipeline_factory_v21
keystone = cors http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit authtoken keystonecontext osapi_compute_app_v21
noauth2 = cors http_proxy_to_wsgi compute_req_id faultwrap request_log sizelimit noauth2 osapi_compute_app_v21
[filter:request_log]
paste.filter_factory = nova.api.openstack.requestlog:RequestLog.factory
[filter:compute_req_id]
paste.filter_factory = nova.api.compute_req_id:ComputeReqIdMiddleware.factory
[filter:faultwrap]
paste.filter_factory = nova.api.openstack:FaultWrapper.factory
[filter:noauth2]
paste.filter_factory = nova.api.openstack.auth:NoAuthMiddleware.factory
[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory
[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory
[app:osapi_compute_app_v21]
paste.app_factory = nova.api.openstack.compute:APIRouterV21.factory
[pipeline:oscomputeversions]
pipeline = cors faultwrap request_log http_proxy_to_wsgi oscomputeversionapp
[pipeline:oscomputeversion_v2]
pipeline = cors compute_req_id faultwrap request_log http_proxy_to_wsgi oscomputeversionapp_v2
[app:oscomputeversionapp]
paste.app_factory = nova.api.openstack.compute.versions:Versions.factory
[app:oscomputeversionapp_v2]
paste.app_factory = nova.api.openstack.compute.versions:VersionsV2.factory
[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = nova
[filter:keystonecontext]
paste.filter_factory = nova.api.auth:NovaKeystoneContext.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
EOF

# wsgi entry files and console entry points (python3-* packages ship no /usr/bin scripts)
echo 'from keystone.server.wsgi import initialize_public_application as f; application = f()' > "$BIN/keystone-wsgi.py"
echo 'from placement.wsgi import init_application as f; application = f()' > "$BIN/placement-wsgi.py"
echo 'from nova.api.openstack.compute.wsgi import init_application as f; application = f()' > "$BIN/nova-api-wsgi.py"
mkscript() { printf '#!%s\nimport sys\nfrom %s import main\nsys.exit(main())\n' "$PY" "$2" > "$BIN/$1"; chmod +x "$BIN/$1"; }
mkscript nova-manage nova.cmd.manage
mkscript nova-conductor nova.cmd.conductor
mkscript nova-scheduler nova.cmd.scheduler
mkscript nova-compute nova.cmd.compute
mkscript glance-api glance.cmd.api
mkscript glance-manage glance.cmd.manage
mkscript placement-manage placement.cmd.manage
mkscript keystone-manage keystone.cmd.manage
mkscript neutron-server neutron.cmd.eventlet.server
# GET /v2.0/ports touches the backref Port.port_forwardings, which exists only once SQLAlchemy
# mappers are configured; on a fresh server whose first DB access is that GET it fails with
# AttributeError (HTTP 500): import all models and configure the mappers before starting
# (neutron.cmd.eventlet must be imported first: it monkey-patches; oslo.db's thread-local
#  transaction state created before that is shared by all greenthreads, and concurrent
#  requests then fail with "'NoneType' object has no attribute 'flush'")
sed -i 's/^import sys$/import sys\nimport neutron.cmd.eventlet  # noqa\nimport neutron.db.migration.models.head, sqlalchemy.orm; sqlalchemy.orm.configure_mappers()/' "$BIN/neutron-server"
mkscript neutron-db-manage neutron.db.migration.cli
mkscript neutron-linuxbridge-agent neutron.cmd.eventlet.plugins.linuxbridge_neutron_agent

UWSGI_COMMON=(--plugin python3 --master --enable-threads --lazy-apps --die-on-term --no-orphans
              --buffer-size 65535 --listen 64 --need-app --worker-reload-mercy 5 --reload-mercy 5
              # uwsgi's --http-socket closes the connection after each response; without this header
              # keystoneauth/requests pool the connection and randomly hit RemoteDisconnected on reuse
              --add-header "Connection: close")
NOVA_ARGS=(--config-file "$ETC/nova/nova.conf")

# ---------------------------------------------------------------- rabbitmq
RABBIT_ENV=("RABBITMQ_NODENAME=realnova@localhost" "RABBITMQ_NODE_IP_ADDRESS=$HOSTIP" "RABBITMQ_NODE_PORT=$AMQP_PORT"
  "RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT" "ERL_EPMD_PORT=$EPMD_PORT" "ERL_EPMD_ADDRESS=$HOSTIP"
  "RABBITMQ_CONF_ENV_FILE=$ETC/rabbitmq/rabbitmq-env.conf" "RABBITMQ_CONFIG_FILE=$ETC/rabbitmq/rabbitmq"
  "RABBITMQ_ENABLED_PLUGINS_FILE=$ETC/rabbitmq/enabled_plugins" "RABBITMQ_MNESIA_BASE=$ST/rabbit-mnesia"
  "RABBITMQ_LOG_BASE=$LOG/rabbitmq" "RABBITMQ_PID_FILE=$RUN/rabbitmq-beam.pid"
  "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}" "HOME=$ST/rabbit-home")
# our own epmd on our own port, so that erl never daemonizes an untracked one
start epmd epmd -port "$EPMD_PORT" -address "$HOSTIP"
for i in $(seq 50); do (exec 3<>"/dev/tcp/$HOSTIP/$EPMD_PORT") 2>/dev/null && break; sleep 0.1; done
start rabbitmq env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server

# ---------------------------------------------------------------- keystone (needs nothing else)
# ---------------------------------------------------------------- mariadb
# (SQLite was tried first: with nova-api, conductor, scheduler and compute writing
#  concurrently it fails builds with "database is locked", WAL mode or not)
if [ ! -d "$ST/mysql/mysql" ]; then
  mariadb-install-db --no-defaults --datadir="$ST/mysql" --user=root --auth-root-authentication-method=socket \
    --skip-test-db >"$LOG/mariadb-install.log" 2>&1 || { tail "$LOG/mariadb-install.log" >&2; die "mariadb-install-db"; }
fi
start mariadb /usr/sbin/mariadbd --no-defaults --datadir="$ST/mysql" --socket="$RUN/mysql.sock" --port="$DB_PORT" \
  --bind-address="$HOSTIP" --user=root --pid-file="$RUN/mariadbd.pid" --log-error="$LOG/mariadb.log" --skip-log-bin \
  --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
  --max-connections=500 --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci
SQL=(mariadb --no-defaults -S "$RUN/mysql.sock" -u root)
i=0; until "${SQL[@]}" -e 'select 1' >/dev/null 2>&1; do
  i=$((i+1)); [ $i -gt 300 ] && die "mariadb did not start (see $LOG/mariadb.log)"; alive mariadb || die "mariadb died (see $LOG/mariadb.log)"; sleep 0.1; done
"${SQL[@]}" -e "CREATE USER IF NOT EXISTS 'realnova'@'$HOSTIP' IDENTIFIED BY '$ADMIN_PASS'; GRANT ALL ON *.* TO 'realnova'@'$HOSTIP';
  $(for d in keystone glance placement neutron nova_api nova_cell0 nova_cell1; do printf 'CREATE DATABASE IF NOT EXISTS %s; ' $d; done)"
say "mariadb ready on $HOSTIP:$DB_PORT"

mlog() { "$@" >>"$LOG/manage.log" 2>&1 || { tail -30 "$LOG/manage.log" >&2; die "$*"; }; }
if [ ! -f "$ST/.keystone_db" ]; then
  mlog "$BIN/keystone-manage" --config-file "$ETC/keystone/keystone.conf" db_sync
  mlog "$BIN/keystone-manage" --config-file "$ETC/keystone/keystone.conf" fernet_setup --keystone-user root --keystone-group root
  mlog "$BIN/keystone-manage" --config-file "$ETC/keystone/keystone.conf" credential_setup --keystone-user root --keystone-group root
  mlog "$BIN/keystone-manage" --config-file "$ETC/keystone/keystone.conf" bootstrap --bootstrap-password "$ADMIN_PASS" \
    --bootstrap-admin-url "$KS_URL" --bootstrap-public-url "$KS_URL" --bootstrap-internal-url "$KS_URL" \
    --bootstrap-region-id RegionOne
  touch "$ST/.keystone_db"; say "keystone db ready"
fi
start keystone uwsgi "${UWSGI_COMMON[@]}" --http-socket "$HOSTIP:$KS_PORT" --processes 2 --threads 1 \
  --env "OS_KEYSTONE_CONFIG_DIR=$ETC/keystone" --wsgi-file "$BIN/keystone-wsgi.py" --logto "$LOG/keystone-uwsgi.log"

# ---------------------------------------------------------------- db syncs (while keystone boots)
if [ ! -f "$ST/.placement_db" ]; then
  mlog "$BIN/placement-manage" --config-file "$ETC/placement/placement.conf" db sync
  touch "$ST/.placement_db"; say "placement db ready"
fi
if [ ! -f "$ST/.glance_db" ]; then
  mlog "$BIN/glance-manage" --config-file "$ETC/glance/glance-api.conf" db_sync
  touch "$ST/.glance_db"; say "glance db ready"
fi
if [ ! -f "$ST/.neutron_db" ]; then
  mlog "$BIN/neutron-db-manage" --config-file "$ETC/neutron/neutron.conf" upgrade heads
  touch "$ST/.neutron_db"; say "neutron db ready"
fi
if [ ! -f "$ST/.nova_db" ]; then
  M=("$BIN/nova-manage" "${NOVA_ARGS[@]}")
  mlog "${M[@]}" api_db sync
  mlog "${M[@]}" cell_v2 map_cell0 --database_connection "$(db nova_cell0)"
  mlog "${M[@]}" cell_v2 create_cell --name cell1 --database_connection "$(db nova_cell1)" --transport-url "$TRANSPORT"
  mlog "${M[@]}" db sync
  touch "$ST/.nova_db"; say "nova api/cell0/cell1 dbs ready"
fi

wait_http "$KS_URL" 60 keystone
token() { curl -sf -i -H 'Content-Type: application/json' -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"},\"password\":\"$ADMIN_PASS\"}}},\"scope\":{\"project\":{\"name\":\"admin\",\"domain\":{\"name\":\"Default\"}}}}}" "$KS_URL/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}'; }
TOKEN=$(token); [ -n "$TOKEN" ] || die "no keystone token"
if [ ! -f "$ST/.catalog" ]; then
  for svc in "nova compute http://$HOSTIP:$NOVA_PORT/v2.1" "placement placement http://$HOSTIP:$PLACEMENT_PORT" "glance image http://$HOSTIP:$GLANCE_PORT" "neutron network http://$HOSTIP:$NEUTRON_PORT"; do
    # shellcheck disable=SC2086 # "name type url": split on purpose
    set -- $svc
    sid=$(curl -sf -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -d "{\"service\":{\"name\":\"$1\",\"type\":\"$2\"}}" "$KS_URL/services" | jq -r .service.id)
    for iface in public internal admin; do
      curl -sf -o /dev/null -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
        -d "{\"endpoint\":{\"service_id\":\"$sid\",\"interface\":\"$iface\",\"url\":\"$3\",\"region_id\":\"RegionOne\"}}" "$KS_URL/endpoints"
    done
  done
  touch "$ST/.catalog"; say "catalog registered"
fi

# ---------------------------------------------------------------- placement, glance, nova services
start placement uwsgi "${UWSGI_COMMON[@]}" --http-socket "$HOSTIP:$PLACEMENT_PORT" --processes 1 --threads 1 \
  --env "OS_PLACEMENT_CONFIG_DIR=$ETC/placement" --wsgi-file "$BIN/placement-wsgi.py" --logto "$LOG/placement-uwsgi.log"
start glance "$BIN/glance-api" --config-file "$ETC/glance/glance-api.conf"
env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -q -n realnova@localhost wait --timeout 60 "$RUN/rabbitmq-beam.pid" >/dev/null \
  || die "rabbitmq did not start (see $LOG/rabbitmq*)"
say "rabbitmq ready on $HOSTIP:$AMQP_PORT"
start neutron "$BIN/neutron-server" --config-file "$ETC/neutron/neutron.conf"
start nova-conductor "$BIN/nova-conductor" "${NOVA_ARGS[@]}" --log-file "$LOG/nova-conductor.log"
start nova-scheduler "$BIN/nova-scheduler" "${NOVA_ARGS[@]}" --log-file "$LOG/nova-scheduler.log"
start nova-api uwsgi "${UWSGI_COMMON[@]}" --http-socket "$HOSTIP:$NOVA_PORT" --processes 2 --threads 1 \
  --env "OS_NOVA_CONFIG_DIR=$ETC/nova" --wsgi-file "$BIN/nova-api-wsgi.py" --logto "$LOG/nova-api-uwsgi.log"

# RPC clients started before their server has declared its queue lose their first
# call and sit out the 60 s RPC timeout: nova-compute pings nova-conductor, the L2
# agent reports to neutron-server. So start each only once that queue has a consumer.
wait_queue() { # QUEUE SERVICE
  local i=0
  until env "${RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmqctl -q -n realnova@localhost list_queues name consumers 2>/dev/null \
        | awk -v q="$1" '$1==q && $2>0 {f=1} END {exit !f}'; do
    i=$((i+1)); [ $i -gt 240 ] && die "$2 never consumed queue $1 (see $LOG/$2*)"
    alive "$2" || die "$2 died (see $LOG/$2*)"
    sleep 0.5
  done
  say "$2 consuming queue $1"
}
wait_queue conductor nova-conductor
COMPUTE_START=1970-01-01T00:00:00
alive nova-compute || COMPUTE_START=$(date -u +%Y-%m-%dT%H:%M:%S)
start nova-compute "$BIN/nova-compute" --config-file "$ETC/nova/nova-cpu.conf" --log-file "$LOG/nova-compute.log"

wait_queue q-reports-plugin neutron
start neutron-agent "$BIN/neutron-linuxbridge-agent" --config-file "$ETC/neutron/neutron.conf" --config-file "$ETC/neutron/linuxbridge_agent.ini"

wait_http "http://$HOSTIP:$PLACEMENT_PORT/" 60 placement
wait_http "http://$HOSTIP:$GLANCE_PORT/" 60 glance
wait_http "http://$HOSTIP:$NEUTRON_PORT/" 90 neutron
wait_http "http://$HOSTIP:$NOVA_PORT/" 90 nova-api

# ready to schedule = compute service record refreshed by THIS compute process,
# its resource provider has inventory in placement, and its host is mapped to cell1
TOKEN=$(token)
H=(-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json')
i=0
while :; do
  upd=$(curl -s "${H[@]}" "http://$HOSTIP:$NOVA_PORT/v2.1/os-services?binary=nova-compute" \
        | jq -r '.services[] | select(.host=="realnova-compute" and .state=="up") | .updated_at // "new"' 2>/dev/null || true)
  rp=$(curl -s "${H[@]}" "http://$HOSTIP:$PLACEMENT_PORT/resource_providers?name=realnova-compute" | jq -r '.resource_providers[0].uuid // empty' 2>/dev/null || true)
  inv=""; [ -n "$rp" ] && inv=$(curl -s "${H[@]}" "http://$HOSTIP:$PLACEMENT_PORT/resource_providers/$rp/inventories" | jq -r '.inventories.VCPU.total // empty' 2>/dev/null || true)
  # "new": a record created by this compute, not yet heartbeated (report_interval 10 s)
  if [ -n "$upd" ] && { [ "$upd" = new ] || [[ "$upd" > "$COMPUTE_START" ]]; } && [ -n "$inv" ]; then break; fi
  i=$((i+1)); [ $i -gt 180 ] && die "nova-compute not ready (service updated_at='$upd' rp='$rp' vcpus='$inv'; see $LOG/nova-compute.log)"
  alive nova-compute || die "nova-compute died (see $LOG/nova-compute.log)"
  sleep 0.5
done
say "nova-compute up (service updated $upd, resource provider $rp, $inv VCPU)"
i=0
while :; do
  mlog "$BIN/nova-manage" "${NOVA_ARGS[@]}" cell_v2 discover_hosts --verbose
  hosts=$("$BIN/nova-manage" "${NOVA_ARGS[@]}" cell_v2 list_hosts 2>>"$LOG/manage.log" || true)
  case "$hosts" in *realnova-compute*) break;; esac
  i=$((i+1)); [ $i -gt 10 ] && die "host not mapped to cell1 (see $LOG/manage.log)"
  sleep 1
done
say "compute host mapped to cell1"

TOKEN=$(token)
H=(-H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json')
if [ ! -f "$ST/flavor_id" ]; then
  curl -sf "${H[@]}" -d '{"flavor":{"name":"fake.tiny","id":"fake-tiny","ram":256,"vcpus":1,"disk":1}}' \
    "http://$HOSTIP:$NOVA_PORT/v2.1/flavors" | jq -r .flavor.id > "$ST/flavor_id.tmp" && mv "$ST/flavor_id.tmp" "$ST/flavor_id"
  say "flavor $(cat "$ST/flavor_id") created"
fi
if [ ! -f "$ST/huge_flavor_id" ]; then
  # more memory than the fake host has: the scheduler finds no valid host (tests of a failed boot)
  curl -sf "${H[@]}" -d '{"flavor":{"name":"fake.huge","id":"fake-huge","ram":16777216,"vcpus":1,"disk":1}}' \
    "http://$HOSTIP:$NOVA_PORT/v2.1/flavors" | jq -r .flavor.id > "$ST/huge_flavor_id.tmp" && mv "$ST/huge_flavor_id.tmp" "$ST/huge_flavor_id"
  say "flavor $(cat "$ST/huge_flavor_id") created"
fi
i=0
until curl -s "${H[@]}" "http://$HOSTIP:$NEUTRON_PORT/v2.0/agents?host=realnova-compute" | jq -e '.agents[] | select(.alive)' >/dev/null 2>&1; do
  i=$((i+1)); [ $i -gt 120 ] && die "linuxbridge agent not alive (see $LOG/neutron-linuxbridge-agent.log)"
  alive neutron-agent || die "neutron-agent died (see $LOG/neutron-agent.out)"
  sleep 0.5
done
say "neutron L2 agent alive on realnova-compute"
if [ ! -f "$ST/network_id" ]; then
  NET=$(curl -sf "${H[@]}" -d '{"network":{"name":"realnova-net","shared":true,"provider:network_type":"local"}}' \
    "http://$HOSTIP:$NEUTRON_PORT/v2.0/networks" | jq -r .network.id) || die "network create"
  # 192.0.2.0/24 is TEST-NET-1 (RFC 5737): documentation-only, nothing is ever sent there
  curl -sf -o /dev/null "${H[@]}" -d '{"subnet":{"name":"realnova-subnet","network_id":"'"$NET"'","ip_version":4,"cidr":"192.0.2.0/24","gateway_ip":"192.0.2.1"}}' \
    "http://$HOSTIP:$NEUTRON_PORT/v2.0/subnets" || die "subnet create"
  echo "$NET" > "$ST/network_id"; say "network $NET (192.0.2.0/24) created"
fi
if [ ! -f "$ST/image_id" ]; then
  IMG=$(curl -sf "${H[@]}" -d '{"name":"fake-appliance","disk_format":"raw","container_format":"bare","visibility":"public"}' \
    "http://$HOSTIP:$GLANCE_PORT/v2/images" | jq -r .id)
  head -c 1024 /dev/zero | curl -sf -X PUT -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/octet-stream' \
    --data-binary @- "http://$HOSTIP:$GLANCE_PORT/v2/images/$IMG/file" || die "image upload"
  echo "$IMG" > "$ST/image_id"; say "image $IMG uploaded"
fi
if [ ! -f "$ST/.quotas" ]; then
  # default quotas (10 instances, 50 ports) make leaked servers of failed test runs break later ones
  PID=$(curl -sf "${H[@]}" "$KS_URL/projects?name=admin" | jq -r '.projects[0].id')
  curl -sf -o /dev/null -X PUT "${H[@]}" -d '{"quota_set":{"instances":-1,"cores":-1,"ram":-1}}' "http://$HOSTIP:$NOVA_PORT/v2.1/os-quota-sets/$PID" || die "nova quota"
  curl -sf -o /dev/null -X PUT "${H[@]}" -d '{"quota":{"port":-1}}' "http://$HOSTIP:$NEUTRON_PORT/v2.0/quotas/$PID" || die "neutron quota"
  touch "$ST/.quotas"; say "admin project quotas unlimited"
fi
touch "$ST/.ready"
say "realnova is up"
print_env
