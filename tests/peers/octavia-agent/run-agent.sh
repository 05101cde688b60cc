#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run-agent.sh PORT DIR CERTDIR [AMP_ID]: start OpenStack Octavia's own
# amphora agent (/usr/bin/amphora-agent, Debian octavia-agent: gunicorn +
# Flask, mutual TLS) in the background on 127.0.0.1:PORT with the PKI that
# setup.sh made in CERTDIR, wait until it listens, and print its pid.
# AMP_ID defaults to CERTDIR/amp-id.txt; CERTDIR/server-AMP_ID.pem must exist.
#
# Everything the agent writes goes under DIR.  The agent hard-codes amphora
# paths (/etc/octavia, /var/lib/octavia, unit folders, /run, /proc/1/comm),
# so it runs as root in a private mount namespace (unshare -m) where those
# are bind mounts of folders under DIR/root; a systemctl stand-in runs the
# haproxy units it writes, a syslog stand-in takes its logs.  haproxy runs in
# the network namespace amphora-haproxy, which exists only inside that mount
# namespace.  Stop it with stop-agent.sh DIR.
set -eu

usage="usage: run-agent.sh PORT DIR CERTDIR [AMP_ID]"
PORT=${1:?$usage}
DIR=${2:?$usage}
CERTDIR=${3:?$usage}
HERE=$(cd "$(dirname "$0")" && pwd)

die() {
	echo "run-agent.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (mount namespace, netns)"
[ -x /usr/bin/amphora-agent ] || die "no /usr/bin/amphora-agent (apt-get install python3-octavia)"
AMP_ID=${4:-$(cat "$CERTDIR/amp-id.txt")}
[ -f "$CERTDIR/server-$AMP_ID.pem" ] || die "no $CERTDIR/server-$AMP_ID.pem (run setup.sh)"
if [ -f "$DIR/agent.pid" ] && kill -0 "$(cat "$DIR/agent.pid")" 2>/dev/null; then
	die "an agent already runs from $DIR (pid $(cat "$DIR/agent.pid"))"
fi

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
R=$DIR/root
mkdir -p "$R/etc-octavia/certs" "$R/etc-octavia/interfaces" \
    "$R/var-lib-octavia" "$R/etc-init.d" "$R/var-log" "$R/run" \
    "$R/sysctl.d" "$R/bin" "$R/systemd-system" "$R/etc-systemd-system" \
    "$R/run/systemd/system"

# certificates, laid out as on an amphora
install -m 600 "$CERTDIR/server-$AMP_ID.pem" "$R/etc-octavia/certs/server.pem"
install -m 644 "$CERTDIR/ca.pem" "$R/etc-octavia/certs/client_ca.pem"
# The file the agent expects from the amphora image, which Debian ships in
# octavia-agent, a package that also installs services (cron, a ramfs, a
# netns unit): the tests need only python3-octavia, and write it here.
printf 'global\n\tgroup nogroup\n' \
    >"$R/var-lib-octavia/haproxy-default-user-group.conf"
# /proc/1/comm reads "systemd" inside, so the agent takes its systemd path.
echo systemd >"$R/comm"
ln -sf "$HERE/systemctl-standin.py" "$R/bin/systemctl"
# only the per-network-namespace keys of Octavia's sysctl file
grep -h '^ *net\.' /etc/sysctl.d/octavia-agent-sysctl.conf \
    >"$R/sysctl.d/60-octavia-net.conf" 2>/dev/null || true
: >"$R/sysctl.conf"

cat >"$R/etc-octavia/amphora-agent.conf" <<CONF
[DEFAULT]
debug = False
use_syslog = False

[haproxy_amphora]
base_cert_dir = /var/lib/octavia/certs
base_path = /var/lib/octavia
bind_host = 127.0.0.1
bind_port = $PORT
haproxy_cmd = /usr/sbin/haproxy
respawn_count = 2
respawn_interval = 2
use_upstart = True
user_log_facility = 0
administrative_log_facility = 1

[health_manager]
controller_ip_port_list =
heartbeat_interval = 10
heartbeat_key = insecure

[amphora_agent]
agent_server_ca = /etc/octavia/certs/client_ca.pem
agent_server_cert = /etc/octavia/certs/server.pem
agent_server_network_dir = /etc/octavia/interfaces/
agent_request_read_timeout = 180
amphora_id = $AMP_ID
amphora_udp_driver = keepalived_lvs
agent_tls_protocol = TLSv1.2

[controller_worker]
loadbalancer_topology = SINGLE
CONF

# The mount points: Debian's octavia-common makes them, python3-octavia
# (all the tests install) does not.  Empty folders; nothing is put there.
mkdir -p /etc/octavia /var/lib/octavia

# The inner script runs inside the new mount namespace, then execs the agent.
cat >"$DIR/ns-init.sh" <<INNER
#!/bin/sh
set -e
mount --make-rprivate /
mount --bind "$R/etc-octavia" /etc/octavia
mount --bind "$R/var-lib-octavia" /var/lib/octavia
mount --bind "$R/etc-init.d" /etc/init.d
mount --bind "$R/var-log" /var/log
mount --bind "$R/run" /run
mount --bind "$R/sysctl.d" /etc/sysctl.d
mount --bind "$R/sysctl.d" /usr/lib/sysctl.d
mount --bind "$R/sysctl.conf" /etc/sysctl.conf
mount --bind "$R/systemd-system" /usr/lib/systemd/system
mount --bind "$R/etc-systemd-system" /etc/systemd/system
mount --bind "$R/comm" /proc/1/comm
export PATH="$R/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
cd /
/usr/bin/python3 "$HERE/syslog-sink.py" /run/rsyslog/octavia/log /var/log/amphora-syslog.log &
echo \$! >"$DIR/syslog.pid"
n=0
while [ ! -S /run/rsyslog/octavia/log ] && [ \$n -lt 50 ]; do
	sleep 0.05
	n=\$((n + 1))
done
exec /usr/bin/amphora-agent --config-file /etc/octavia/amphora-agent.conf
INNER
chmod 755 "$DIR/ns-init.sh"

# unshare without --fork execs in place, so $! is the gunicorn master's pid.
env -i HOME=/root LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    setsid unshare --mount --propagation private "$DIR/ns-init.sh" \
    >"$DIR/agent.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$DIR/agent.pid"

# Wait (at most 30 s) until it listens.
n=0
until ss -Hltn "sport = :$PORT" | grep -q .; do
	if ! kill -0 "$PID" 2>/dev/null; then
		tail -n 5 "$DIR/agent.log" >&2
		die "the agent exited (log: $DIR/agent.log)"
	fi
	n=$((n + 1))
	[ "$n" -lt 300 ] || die "the agent does not listen on $PORT after 30 s"
	sleep 0.1
done
echo "$PID"
