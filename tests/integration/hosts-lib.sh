# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# Remote hosts for the fleet tests (-H, apply with hosts:), made on this machine, after lib.sh's
# setup_instance:
#
#   client netns (sysctr -H runs here: hsysctr)        host netns N (start_host N)
#   10.252.N.1/30 ───────── veth ─────────────────────  10.252.N.2/30
#                                                       own mount namespace: /run a tmpfs, so that
#                                                       /run/dbus/system_bus_socket (where
#                                                       systemd-stdio-bridge connects) is this
#                                                       host's own dbus-daemon; /usr/local/bin holds
#                                                       its "sysctr"; sshd (Debian's, key-based,
#                                                       listening only on 10.252.N.2:22), and a
#                                                       sysctrd in standalone mode with its own
#                                                       state, runtime, logs and cgroup parent.
#
# Traffic only between these namespaces. ssh is reached through $T/bin/ssh, which adds the test's
# own client config (key, known hosts, batch mode): sd-bus and sysctr find it first in PATH.
# Everything is undone at exit (containers stopped through the host's bus, daemons killed by pid,
# then whatever is left in a host's namespace, such as sysctrd's dnsmasqs; cgroups, namespaces),
# before lib.sh's own checks run.

HOSTS_NS_CLIENT=
HOSTS_STARTED=()
HOSTS_NET=$(( ($$ % 200) + 20 ))        # the second octet's neighbour: 10.252.N is per host

host_dir() { echo "$T/host$1"; }
host_address() { echo "10.$((HOSTS_NET)).$1.2"; }        # host N's address
host_bus() { echo "unix:path=$(host_dir "$1")/bus"; }

# sysctr in the client namespace (as another machine would run it), bounded as lib.sh's sysctr().
hsysctr() {
        ip netns exec "$HOSTS_NS_CLIENT" env PATH="$T/bin:$PATH" \
                timeout -k 5 "${SYSCTR_TEST_TIMEOUT:-120}" "$top_builddir/sysctr" "$@"
}
# sysctr on host N itself, through its own bus (what is really there).
on_host() {
        local n=$1
        shift
        DBUS_SYSTEM_BUS_ADDRESS=$(host_bus "$n") timeout -k 5 60 "$top_builddir/sysctr" "$@"
}

_hosts_client_setup() {
        [ -n "$HOSTS_NS_CLIENT" ] && return 0
        require_commands ip ssh ssh-keygen /usr/sbin/sshd systemd-stdio-bridge unshare
        HOSTS_NS_CLIENT="sysctr-t$$-client"
        ip netns add "$HOSTS_NS_CLIENT" || bail "cannot create netns $HOSTS_NS_CLIENT"
        at_cleanup '_hosts_cleanup'
        ip -n "$HOSTS_NS_CLIENT" link set lo up

        mkdir -p "$T/bin" && chmod 0755 "$T/bin"
        ssh-keygen -q -t ed25519 -N '' -C sysctr-test -f "$T/id_client" || bail "ssh-keygen failed"
        : > "$T/known_hosts"
        cat > "$T/ssh_config" <<EOF
Host *
        IdentityFile $T/id_client
        IdentitiesOnly yes
        UserKnownHostsFile $T/known_hosts
        GlobalKnownHostsFile /dev/null
        StrictHostKeyChecking yes
        BatchMode yes
        ConnectTimeout 5
        LogLevel ERROR
EOF
        # The client side as an administrator would set it up in ~/.ssh/config.
        printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$T/ssh_config" > "$T/bin/ssh"
        chmod 0755 "$T/bin/ssh"
}

_host_bus_config() {            # DIR
        sed -e "s|<listen>unix:path=$T/bus</listen>|<listen>unix:path=$1/bus</listen>|" "$T/bus.conf" > "$1/bus.conf"
}

# start_host N: host N (1..9) up: namespace, link, sshd, dbus-daemon, sysctrd. Waits until sysctrd
# owns its name and sshd answers.
start_host() {
        local n=$1 d ns addr
        _hosts_client_setup
        d=$(host_dir "$n")
        ns="sysctr-t$$-host$n"
        addr=$(host_address "$n")
        mkdir -p "$d/state" "$d/run" "$d/log" "$d/bin" && chmod 0700 "$d/state" || bail "mkdir $d failed"

        ip netns add "$ns" || bail "cannot create netns $ns"
        HOSTS_STARTED+=("$n")
        ip -n "$ns" link set lo up
        ip link add "sxc$$h$n" netns "$HOSTS_NS_CLIENT" type veth peer name eth0 netns "$ns" ||
                bail "cannot create the link to host $n"
        ip -n "$HOSTS_NS_CLIENT" addr add "10.$HOSTS_NET.$n.1/30" dev "sxc$$h$n"
        ip -n "$HOSTS_NS_CLIENT" link set "sxc$$h$n" up
        ip -n "$ns" addr add "$addr/30" dev eth0
        ip -n "$ns" link set eth0 up

        ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" || bail "ssh-keygen failed"
        cp "$T/id_client.pub" "$d/authorized_keys"
        echo "$addr $(cut -d ' ' -f 1,2 "$d/host_key.pub")" >> "$T/known_hosts"
        cat > "$d/sshd_config" <<EOF
ListenAddress $addr:22
HostKey $d/host_key
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
X11Forwarding no
PrintMotd no
EOF
        printf '#!/bin/sh\nexec %s "$@"\n' "$top_builddir/sysctr" > "$d/bin/sysctr"
        chmod 0755 "$d/bin/sysctr"
        _host_bus_config "$d"

        # Inside the host: its mounts, then its daemons; pids in files for the cleanup.
        # nsenter, not "ip netns exec": that one mounts a sysfs of the namespace over /sys, which
        # hides the cgroup hierarchies sysctrd needs.
        nsenter --net="/run/netns/$ns" unshare -m --propagation private env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" \
                SYSCTR_STATE_DIR="$d/state" SYSCTR_RUNTIME_DIR="$d/run" SYSCTR_LOG_DIR="$d/log" \
                SYSCTR_TEMPLATE_DIR="$SYSCTR_TEMPLATE_DIR" SYSCTR_AGENT="$SYSCTR_AGENT" \
                SYSCTR_ENTER="$SYSCTR_ENTER" SYSCTR_CGROUP_PARENT="$CG_NAME-host$n" \
                SYSCTR_SUBUID="$SYSCTR_SUBUID" SYSCTR_SUBGID="$SYSCTR_SUBGID" \
                DBUS_SYSTEM_BUS_ADDRESS="unix:path=$d/bus" \
                sh -c '
                        d=$1
                        mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd /run/dbus &&
                                ln -s "$d/bus" /run/dbus/system_bus_socket &&
                                mount --bind "$d/bin" /usr/local/bin || exit 1
                        dbus-daemon --config-file="$d/bus.conf" --nofork --nopidfile --nosyslog >"$d/dbus.log" 2>&1 &
                        echo $! > "$d/dbus.pid"
                        for i in $(seq 100); do [ -S "$d/bus" ] && break; sleep 0.05; done
                        "$2" --mode=standalone >>"$d/sysctrd.log" 2>&1 &
                        echo $! > "$d/sysctrd.pid"
                        /usr/sbin/sshd -D -e -f "$d/sshd_config" >"$d/sshd.log" 2>&1 &
                        echo $! > "$d/sshd.pid"
                        wait' sh "$d" "$top_builddir/sysctrd" &
        echo $! > "$d/launcher.pid"

        wait_for 10 eval "DBUS_SYSTEM_BUS_ADDRESS='$(host_bus "$n")' sysctrd_has_name" ||
                bail "host $n: sysctrd did not start: $(tail -n 5 "$d/sysctrd.log" "$d/dbus.log" 2>&1)"
        wait_for 10 ip netns exec "$HOSTS_NS_CLIENT" env PATH="$T/bin:$PATH" ssh "root@$addr" true ||
                bail "host $n: sshd does not answer: $(tail -n 5 "$d/sshd.log")"
        diag "host $n: $addr (state in $d)"
}

# restart_host_sysctrd N: host N's sysctrd stopped (SIGTERM, as systemctl stop would) and started
# again with the same environment, in the host's mount and network namespaces (sshd's).
restart_host_sysctrd() {
        local n=$1 d old
        local -a envv
        d=$(host_dir "$n")
        old=$(cat "$d/sysctrd.pid")
        mapfile -d '' envv < "/proc/$old/environ" || bail "host $n: cannot read sysctrd's environment"
        kill_wait "$old" 10
        # nsenter execs env, which execs sysctrd: $! is sysctrd itself.
        nsenter -t "$(cat "$d/sshd.pid")" -m -n env -i "${envv[@]}" "$top_builddir/sysctrd" --mode=standalone \
                >>"$d/sysctrd.log" 2>&1 &
        echo $! > "$d/sysctrd.pid"
        wait_for 10 eval "DBUS_SYSTEM_BUS_ADDRESS='$(host_bus "$n")' sysctrd_has_name" ||
                bail "host $n: sysctrd did not start again: $(tail -n 5 "$d/sysctrd.log")"
}

_host_stop() {
        local n=$1 d c p
        d=$(host_dir "$n")
        if [ -f "$d/sysctrd.pid" ] && pid_alive "$(cat "$d/sysctrd.pid")"; then
                for c in "$d"/state/containers/*/; do
                        [ -d "$c" ] && on_host "$n" stop "$(basename "$c")" >/dev/null 2>&1
                done
        fi
        # Agents left over (their environment names the host's state dir), then the daemons.
        for p in $(grep -lzxF "SYSCTR_STATE_DIR=$d/state" /proc/[0-9]*/environ 2>/dev/null); do
                p=${p#/proc/}
                p=${p%/environ}
                [ "$(pid_comm "$p")" = sysctr-agent ] && kill_wait "$p" 10
        done
        for p in sshd sysctrd dbus launcher; do
                [ -f "$d/$p.pid" ] && kill_wait "$(cat "$d/$p.pid")" 10
        done
        # What sysctrd leaves running on purpose when it stops (a dnsmasq per bridge network, which
        # it adopts again at its next start): everything left in the host's namespace is ours.
        for p in $(ip netns pids "sysctr-t$$-host$n" 2>/dev/null); do
                kill_wait "$p" 10
        done
        for c in $(_cg2_mount)/"$CG_NAME-host$n" /sys/fs/cgroup/*/"$CG_NAME-host$n"; do
                [ -d "$c" ] || continue
                [ -e "$c/cgroup.kill" ] && echo 1 > "$c/cgroup.kill" 2>/dev/null
                find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        ip netns del "sysctr-t$$-host$n" 2>/dev/null
}

_hosts_cleanup() {
        local n
        for n in "${HOSTS_STARTED[@]}"; do
                _host_stop "$n"
        done
        [ -n "$HOSTS_NS_CLIENT" ] && ip netns del "$HOSTS_NS_CLIENT" 2>/dev/null
}
