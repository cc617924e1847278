# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# The harness every integration and D-Bus test sources. It runs a whole private sysctr instance
# (state, runtime, logs, templates, cgroups, a dbus-daemon of its own, sysctrd) in a fresh temp
# dir, speaks TAP, and cleans up on every exit path: it stops the instance's containers, kills the
# daemons it started, removes the cgroups it made and the temp dir, then checks (as TAP tests) that
# nothing was left behind: no mount mentioning the temp dir, no agent of this instance, no cgroup.
# As root, sysctrd runs in a network namespace of the instance's own (sysctr-test-PID): its
# default bridge, its nftables table and its dnsmasq never touch the host's network, and the
# agents it spawns (and so the containers' links) live there too. Cleanup removes the namespace.
#
# Usage in a test:
#       . "$(dirname "$0")/../integration/lib.sh"   (or ./lib.sh)
#       require_root                # integration tests: "1..0 # SKIP needs root" otherwise
#       setup_instance              # exports SYSCTR_*, DBUS_SYSTEM_BUS_ADDRESS, starts the daemons
#       use_cached_image debian bookworm   # debian tests: the image, built once per machine
#       run sysctr create busybox t1; is "$rc" 0 "create"
#       ...                          # the plan ("1..N") is printed at exit, after the leak checks
#
# Run by hand: sudo top_builddir=$PWD/build-X tests/integration/test-lifecycle.sh
# Keep the temp dir for a post-mortem: SYSCTR_TEST_KEEP=1 (daemons and containers are still stopped).

# ---------------------------------------------------------------------------------------------------
# Locations. "make check" exports top_srcdir and top_builddir (absolute, see AM_TESTS_ENVIRONMENT).
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
SYSCTR_TEST_BUS_POLICY=${SYSCTR_TEST_BUS_POLICY:-$top_srcdir/units/org.sysctr1.conf}
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C
# The distribution's interpreter: a version manager's shim (pyenv) can cost a second per call.
if [ -z "${PYTHON:-}" ]; then
        PYTHON=$(command -v /usr/bin/python3 || command -v python3 || echo python3)
fi

TEST_NAME=$(basename "$0" .sh)
T=                      # the instance's temp dir
SYSCTRD_PID=
DBUS_PID=
CG_NAME="sysctr-test-$$"
CG_ROOT=                # the cgroup2 directory of this instance (cleanup removes it)
NETNS=                  # root: the network namespace sysctrd runs in (/run/netns/$NETNS)

# ---------------------------------------------------------------------------------------------------
# TAP: ok, not_ok, is, isnt, like, unlike, cmp_ok, pass, fail, skip, diag, bail, skip_all, tap_end.
# shellcheck source=../tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

# ---------------------------------------------------------------------------------------------------
# Running things

# run CMD...: sets $out (stdout), $err (stderr) and $rc, without stopping on failure.
# Not for background jobs: the stderr file is shared. No exec of its own: timings stay honest.
# shellcheck disable=SC2034 # out, err and rc are for the caller
run() {
        [ -n "$T" ] || bail "run before setup_instance"
        out=$("$@" 2>"$T/run.stderr")
        rc=$?
        err=$(< "$T/run.stderr")
        return 0
}

# Every call is bounded, so a hang fails the test instead of stalling the suite (124: timed out).
sysctr() { timeout -k 5 "${SYSCTR_TEST_TIMEOUT:-120}" "$top_builddir/sysctr" "$@"; }
sysctrd_bin() { echo "$top_builddir/sysctrd"; }

# Milliseconds and seconds (with decimals) since the epoch, from bash's clock (no fork).
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
now_s() { echo "$EPOCHREALTIME"; }
elapsed_s() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; 1 on timeout.
wait_for() {
        local n
        n=$(awk -v s="$1" 'BEGIN { printf "%d", s * 20 }')
        shift
        while [ "$n" -gt 0 ]; do
                "$@" >/dev/null 2>&1 && return 0
                sleep 0.05
                n=$((n - 1))
        done
        "$@" >/dev/null 2>&1
}

pid_alive() { [ -n "$1" ] && [ "$1" -gt 0 ] && kill -0 "$1" 2>/dev/null; }
pid_dead() { ! pid_alive "$1"; }
pid_comm() { cat "/proc/$1/comm" 2>/dev/null; }

# Kill a process we started: TERM, wait up to $2 seconds (default 5), then KILL.
kill_wait() {
        local pid=$1 t=${2:-5}
        pid_alive "$pid" || return 0
        kill -TERM "$pid" 2>/dev/null
        wait_for "$t" pid_dead "$pid" && return 0
        kill -KILL "$pid" 2>/dev/null
        wait_for 5 pid_dead "$pid"
}

# The agent state file of a container, as KEY=VALUE; agent_field NAME KEY
agent_field() {
        sed -n "s/^$2=//p" "$SYSCTR_RUNTIME_DIR/agents/$1" 2>/dev/null
}

# json_query PYTHON-EXPR [ARGS...]: print the expression evaluated on the JSON read from stdin ("j";
# ARGS in "argv"). Helpers, tolerant of how the CLI lays its JSON out:
#   containers(j): the list of container objects ([...] or {"containers": [...]})
#   field(d, key): d's value for key, case/"-"/"_" insensitive, searched in nested objects too
#   find(j, name): the container object named name, or {}
# None prints nothing; lists print one item a line; booleans print true/false.
json_query() {
        "$PYTHON" -S -c '
import json, sys
def norm(k): return "".join(c for c in str(k).lower() if c.isalnum())
def field(d, key):
    if isinstance(d, dict):
        for k, v in d.items():
            if norm(k) == norm(key): return v
        for v in d.values():
            r = field(v, key)
            if r is not None: return r
    return None
def containers(j):
    if isinstance(j, list): return j
    for v in (j.values() if isinstance(j, dict) else []):
        if isinstance(v, list): return v
    return []
def find(j, name):
    return next((c for c in containers(j) if field(c, "name") == name), {})
def show(v):
    if v is None: return
    if isinstance(v, bool): print("true" if v else "false")
    elif isinstance(v, list): [show(x) for x in v]
    else: print(v)
j = json.load(sys.stdin)
argv = sys.argv[2:]
show(eval(sys.argv[1]))' "$@"
}

# The container's state through D-Bus, as the daemon sees it ("" if unknown).
container_state() {
        sysctr list --json 2>/dev/null | json_query 'field(find(j, argv[0]), "state")' "$1"
}

state_is() { [ "$(container_state "$1")" = "$2" ]; }

# A value of the container's config.yaml (top-level scalar), quotes removed.
config_field() {
        sed -n "s/^$2: *//p" "$SYSCTR_STATE_DIR/containers/$1/config.yaml" 2>/dev/null | sed 's/^"\(.*\)"$/\1/'
}

# The container's cgroups in standalone mode: <cgroup2>/<parent>/sysctr@NAME.service/{payload,supervisor}
unit_cgroup() { echo "$CG_ROOT/sysctr@$1.service"; }
# True if no process is left in the container's payload cgroup (or the cgroup is gone).
payload_empty() {
        local cg
        cg="$(unit_cgroup "$1")/payload"
        [ ! -d "$cg" ] || grep -qx 'populated 0' "$cg/cgroup.events"
}

leader_of() { agent_field "$1" LEADER_PID; }

# Regex-quote a literal for grep -E, and match it as a whole "word" (not inside a longer name).
ere_quote() { printf '%s' "$1" | sed 's/[][\.^$*+?(){}|/]/\\&/g'; }
mentions() {            # mentions TEXT VALUE
        printf '%s\n' "$1" | grep -Eq -- "(^|[^[:alnum:]./_-])$(ere_quote "$2")([^[:alnum:]/_-]|[.]?$|[.][^[:alnum:]])"
}

# ---------------------------------------------------------------------------------------------------
# The instance

is_root() { [ "$(id -u)" -eq 0 ]; }
require_root() { is_root || skip_all "needs root"; }

require_programs() {
        local p
        for p in "$@"; do
                [ -x "$top_builddir/$p" ] || bail "$top_builddir/$p is not built"
        done
}

require_commands() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null 2>&1 || bail "the command $c is missing"
        done
}

_cg2_mount() {
        if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
                echo /sys/fs/cgroup
        elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
                echo /sys/fs/cgroup/unified
        fi
}

_write_bus_config() {
        local extra=
        # A non-root daemon trusts its own uid: let that user own and call org.sysctr1 here.
        if ! is_root; then
                extra="<policy user=\"$(id -un)\">
    <allow own=\"org.sysctr1\"/>
    <allow send_destination=\"org.sysctr1\"/>
    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus.Monitoring\"/>
  </policy>"
        fi
        cat > "$T/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- Private system bus of the sysctr test $TEST_NAME: Debian's system.conf, minus activation. -->
<busconfig>
  <type>system</type>
  <listen>unix:path=$T/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  $extra
  <include ignore_missing="no">$SYSCTR_TEST_BUS_POLICY</include>
  <!-- For the tests that run a polkitd of their own (start_polkit): as root here. -->
  <include ignore_missing="yes">/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
  </policy>
</busconfig>
EOF
}

start_dbus() {
        _write_bus_config
        dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile --nosyslog \
                --print-address=3 3>"$T/bus.address" >"$T/dbus.log" 2>&1 &
        DBUS_PID=$!
        wait_for 10 test -s "$T/bus.address" || bail "dbus-daemon did not start: $(cat "$T/dbus.log")"
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/bus"
        # Nobody else on the system bus: clients must not fall back to the real one.
        unset DBUS_SESSION_BUS_ADDRESS
}

sysctrd_has_name() {
        busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
                NameHasOwner s org.sysctr1 2>/dev/null | grep -qx 'b true'
}

# in_netns CMD...: run CMD in the instance's network namespace (only that: nsenter keeps the mount
# namespace, where "ip netns exec" would remount /sys without the cgroup file systems).
in_netns() {
        if [ -n "$NETNS" ]; then
                nsenter --net="/run/netns/$NETNS" "$@"
        else
                "$@"
        fi
}

# Start sysctrd in the background and wait until it owns org.sysctr1. Standalone mode even on a
# systemd host (a CI runner): the private bus has no systemd to start units with.
start_sysctrd() {
        # Not through in_netns (a function would run in a subshell of its own): $! must be sysctrd,
        # which nsenter becomes.
        if [ -n "$NETNS" ]; then
                nsenter --net="/run/netns/$NETNS" "$top_builddir/sysctrd" --mode=standalone >>"$T/sysctrd.log" 2>&1 &
        else
                "$top_builddir/sysctrd" --mode=standalone >>"$T/sysctrd.log" 2>&1 &
        fi
        SYSCTRD_PID=$!
        if ! wait_for 10 sysctrd_has_name; then
                diag "sysctrd log:" "$(tail -n 30 "$T/sysctrd.log")"
                bail "sysctrd did not take the name org.sysctr1"
        fi
}

stop_sysctrd() {
        kill_wait "$SYSCTRD_PID" 10
        wait "$SYSCTRD_PID" 2>/dev/null
        SYSCTRD_PID=
        wait_for 5 eval '! sysctrd_has_name'
}

# setup_instance: the temp dir, the environment, dbus-daemon and sysctrd.
setup_instance() {
        require_programs sysctrd sysctr
        require_commands dbus-daemon busctl "$PYTHON"
        [ -f "$SYSCTR_TEST_BUS_POLICY" ] || bail "$SYSCTR_TEST_BUS_POLICY is missing"

        T=$(mktemp -d "${TMPDIR:-/tmp}/sysctr-test.XXXXXX") || bail "mktemp failed"
        # Others need to reach the bus socket (the access tests call as nobody); the state
        # below stays private (0700).
        chmod 0711 "$T"
        mkdir -m 0700 "$T/state" && mkdir -m 0755 "$T/run" "$T/log" || bail "mkdir in $T failed"

        export SYSCTR_STATE_DIR="$T/state"
        export SYSCTR_RUNTIME_DIR="$T/run"
        export SYSCTR_LOG_DIR="$T/log"
        export SYSCTR_TEMPLATE_DIR="$top_srcdir/templates"
        export SYSCTR_AGENT="$top_builddir/sysctr-agent"
        export SYSCTR_ENTER="$top_builddir/sysctr-enter"
        export SYSCTR_CGROUP_PARENT="$CG_NAME"
        # Root's subordinate IDs for this instance's unprivileged containers: files of our own, not the
        # host's /etc/subuid. 2^30 and up, as tools/setup-subids gives root (room for 16382).
        if [ -z "${SYSCTR_SUBUID:-}" ]; then
                echo "root:1073741824:1073610752" >"$T/subuid" && cp "$T/subuid" "$T/subgid" ||
                        bail "cannot write $T/subuid"
                export SYSCTR_SUBUID="$T/subuid" SYSCTR_SUBGID="$T/subgid"
        fi
        local cg2
        cg2=$(_cg2_mount)
        [ -z "$cg2" ] || CG_ROOT="$cg2/$CG_NAME"
        if is_root; then
                require_commands ip nsenter
                ip netns add "sysctr-test-$$" || bail "cannot create the network namespace sysctr-test-$$"
                NETNS="sysctr-test-$$"
                ip -n "$NETNS" link set lo up || bail "cannot bring up lo in $NETNS"
                # Template builders fetch packages from the host's network (the mirror), not ours.
                export SYSCTR_BUILD_NETNS="/proc/$$/ns/net"
        fi

        start_dbus
        start_sysctrd
        diag "instance in $T (cgroup $CG_NAME)"
}

# start_polkit RULES: a polkitd of the test's own on the private bus, in a mount namespace of its
# own where /etc/polkit-1/rules.d holds only RULES (JavaScript), /usr/share/polkit-1/rules.d nothing
# and /usr/share/polkit-1/actions only our action file: the host's polkit setup is neither used nor
# touched. Needs root (polkitd drops to its own user).
POLKIT_PID=
start_polkit() {
        local policy="$top_builddir/units/org.sysctr1.policy"
        [ -x /usr/lib/polkit-1/polkitd ] || bail "polkitd is missing (Debian: polkitd)"
        [ -f "$policy" ] || bail "$policy is not built"
        mkdir -p "$T/polkit/rules" "$T/polkit/actions" "$T/polkit/empty"
        cp "$policy" "$T/polkit/actions/"
        printf '%s\n' "$1" > "$T/polkit/rules/50-sysctr-test.rules"
        chmod -R a+rX "$T/polkit"
        unshare -m --propagation private sh -c "
                mount --bind '$T/polkit/rules' /etc/polkit-1/rules.d &&
                mount --bind '$T/polkit/empty' /usr/share/polkit-1/rules.d &&
                mount --bind '$T/polkit/actions' /usr/share/polkit-1/actions &&
                exec /usr/lib/polkit-1/polkitd --no-debug" >"$T/polkitd.log" 2>&1 &
        POLKIT_PID=$!
        wait_for 10 busctl --system status org.freedesktop.PolicyKit1 ||
                bail "polkitd did not start: $(cat "$T/polkitd.log")"
        at_cleanup 'kill_wait "$POLKIT_PID" 5'
}

# as_user UID CMD...: run CMD as that user (and its group), without supplementary groups.
as_user() {
        local uid=$1
        shift
        setpriv --reuid="$uid" --regid="$(id -g "$uid" 2>/dev/null || echo "$uid")" --clear-groups env HOME=/ "$@"
}

# ---------------------------------------------------------------------------------------------------
# Cleanup

# at_cleanup SHELL-CODE: run first at exit (before the containers are stopped), e.g. to end a daemon
# the test started that is not a job of this shell (a tmux server).
_cleanup_hooks=()
at_cleanup() { _cleanup_hooks+=("$1"); }

# Processes of this instance: anything whose environment names our state dir (agents, daemons).
instance_pids() {
        local p
        [ -n "$T" ] || return 0
        # One grep over every environ file (the glob is expanded before grep runs, so it does not
        # see itself); this shell and its subshells carry the variable too.
        for p in $(grep -lzxF "SYSCTR_STATE_DIR=$T/state" /proc/[0-9]*/environ 2>/dev/null); do
                p=${p#/proc/}
                p=${p%/environ}
                [ "$p" != $$ ] && [ "$p" != "$BASHPID" ] && echo "$p"
        done
}

# Processes in the instance's network namespace (sysctrd, agents, dnsmasq: all ours).
netns_pids() {
        [ -n "$NETNS" ] && ip netns pids "$NETNS" 2>/dev/null
}

instance_agent_pids() {
        local p
        for p in $(instance_pids); do
                [ "$(pid_comm "$p")" = sysctr-agent ] && echo "$p"
        done
}

_instance_mounts() {
        [ -n "$T" ] && grep -F -- "$T" /proc/self/mountinfo
}

# Stop what is running: through the daemon first (the normal path), then the agents by pid.
_stop_containers() {
        local d pids=() p
        if pid_alive "$SYSCTRD_PID"; then
                for d in "$SYSCTR_STATE_DIR"/containers/*/; do
                        [ -d "$d" ] || continue
                        d=$(basename "$d")
                        state_is "$d" stopped && continue
                        timeout 20 "$top_builddir/sysctr" stop "$d" >/dev/null 2>&1 &
                        pids+=($!)
                done
                [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
                pids=()
        fi
        for d in "$SYSCTR_RUNTIME_DIR"/agents/*; do
                [ -f "$d" ] || continue
                p=$(sed -n 's/^AGENT_PID=//p' "$d")
                [ "$(pid_comm "$p")" = sysctr-agent ] && pids+=("$p")
        done
        for p in "${pids[@]}"; do
                kill_wait "$p" 10
        done
}

# Our cgroup2 subtree: cgroup.kill (recursive, kernel >= 5.14), wait until empty, then rmdir
# children first. Only the directory named after this test ($CG_NAME) in each hierarchy is touched.
_instance_cgroups() {
        local d
        [ -n "$CG_ROOT" ] && [ -d "$CG_ROOT" ] && echo "$CG_ROOT"
        # cgroup v1 hierarchies of a hybrid host, should anything make our name there too.
        for d in /sys/fs/cgroup/*/"$CG_NAME"; do
                [ -d "$d" ] && [ "$d" != "$CG_ROOT" ] && echo "$d"
        done
}

_remove_cgroups() {
        local cg
        for cg in $(_instance_cgroups); do
                if [ -e "$cg/cgroup.kill" ]; then
                        echo 1 > "$cg/cgroup.kill" 2>/dev/null
                        wait_for 5 grep -qx 'populated 0' "$cg/cgroup.events"
                else
                        # cgroup v1: no cgroup.kill; everything in here is ours.
                        find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
                        wait_for 5 eval "[ -z \"\$(find '$cg' -name cgroup.procs -exec cat {} +)\" ]"
                fi
                find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
        done
}

_cleanup() {
        local s=$? leaked p check=is
        trap - EXIT INT TERM
        # A test that skipped itself after setup_instance: the same cleanup, without the checks (its
        # TAP is complete).
        [ "$_tap_skip_all" ] && check=:
        for p in "${_cleanup_hooks[@]}"; do
                eval "$p" >/dev/null 2>&1
        done
        if [ -n "$T" ]; then
                # Background helpers a test left running (monitors...): ours, so end them first.
                for p in $(jobs -p); do
                        [ "$p" = "$SYSCTRD_PID" ] || [ "$p" = "$DBUS_PID" ] || kill_wait "$p" 2
                done
                _stop_containers
                kill_wait "$SYSCTRD_PID" 10
                kill_wait "$DBUS_PID" 5
                wait 2>/dev/null

                # The checks: what the instance left behind after an orderly stop. The parent cgroup
                # stays (like sysctr.slice); what is below it belongs to containers and must be gone.
                leaked=$(_instance_mounts)
                $check "$leaked" "" "cleanup: no mount mentions $T"
                leaked=$(instance_agent_pids)
                $check "$leaked" "" "cleanup: no sysctr-agent of this instance is left"
                leaked=$(for p in $(_instance_cgroups); do find "$p" -mindepth 1 -type d; done)
                $check "$leaked" "" "cleanup: no container cgroup is left below $CG_NAME"
                _remove_cgroups
                leaked=$(_instance_cgroups)
                $check "$leaked" "" "cleanup: $CG_NAME could be removed"
                if [ -n "$NETNS" ]; then
                        # What outlives sysctrd by design (the networks' dnsmasq) ends with the instance.
                        for p in $(netns_pids); do kill_wait "$p" 5; done
                        leaked=$(netns_pids)
                        $check "$leaked" "" "cleanup: no process is left in the network namespace $NETNS"
                        ip netns del "$NETNS" 2>/dev/null
                        leaked=$(ip netns list | awk -v n="$NETNS" '$1 == n')
                        $check "$leaked" "" "cleanup: the network namespace $NETNS is gone"
                fi

                # Then make sure, whatever the checks found.
                for p in $(instance_pids) $(netns_pids); do kill -KILL "$p" 2>/dev/null; done
                [ -z "$NETNS" ] || ip netns del "$NETNS" 2>/dev/null
                _instance_mounts | awk '{ print $5 }' | sort -r | while read -r p; do
                        umount -l "$p" 2>/dev/null
                done
                _remove_cgroups
                if [ -n "${SYSCTR_TEST_KEEP:-}" ]; then
                        diag "kept $T"
                elif [ -z "$(_instance_mounts)" ]; then
                        rm -rf --one-file-system "$T"
                else
                        diag "not removing $T: mounts are left"
                fi
        fi
        [ "$_tap_skip_all" ] && exit 0
        tap_end "$s"
}

# ---------------------------------------------------------------------------------------------------
# Template images, cached across tests and runs
#
# The debian image takes a minute or two to build, so the suite builds it at most once per machine
# and template version: the first test that needs it builds it through sysctr (the real path:
# "sysctr template build", or the BuildImage method while the CLI lacks that verb), then moves what
# the manager published into the cache; every test links its private <state>/images/IMAGE there.
# Containers only ever see the cached tree as a read-only overlay lower layer.
#
#   <cache>/.lock.IMAGE     held exclusively while a test checks or builds IMAGE: make -j2 builds once
#   <cache>/IMAGE@KEY/      an image as the manager published it (rootfs/, image.info, build.log)
#   <cache>/IMAGE@KEY.use   held shared by every test that links to IMAGE@KEY
#
# KEY hashes the template's build and template.yaml, so a changed template means a new image; an
# entry of an older KEY is removed once no test holds it. Cleanup never removes the cache. Entries
# appear by rename(2), after the build succeeded and the tree was checked: a failed or interrupted
# build never looks complete (".#IMAGE." names are temporaries, removed under the lock).
SYSCTR_TEST_IMAGE_CACHE=${SYSCTR_TEST_IMAGE_CACHE:-/var/cache/sysctr-tests/images}
IMAGE_BUILT=            # the image's name if this test built it, empty if it came from the cache

# The name the manager gives the image of TEMPLATE RELEASE ("%t-%r-%a"; arch as dpkg names it).
image_name() { echo "$1-$2-$(dpkg --print-architecture 2>/dev/null || uname -m)"; }

_image_key() {
        cat "$SYSCTR_TEMPLATE_DIR/$1/build" "$SYSCTR_TEMPLATE_DIR/$1/template.yaml" | sha256sum | cut -c 1-12
}

_image_complete() { [ -f "$1/image.info" ] && [ -d "$1/rootfs/etc" ] && [ -d "$1/rootfs/usr" ]; }

_image_build() {        # TEMPLATE RELEASE: into <state>/images/IMAGE, through sysctrd
        local log="$T/image-build.log" s
        diag "building the $1 $2 image through sysctr (once per machine; log in $log)"
        if "$top_builddir/sysctr" template list >/dev/null 2>&1; then
                timeout 1800 "$top_builddir/sysctr" template build "$1" --release "$2" >"$log" 2>&1
        else
                timeout 1800 busctl --system --timeout=1800 call org.sysctr1 /org/sysctr1 \
                        org.sysctr1.Manager BuildImage ssb "$1" "$2" false >"$log" 2>&1
        fi
        s=$?
        [ "$s" -eq 0 ] || diag "building the image failed (exit $s):" "$(tail -n 20 "$log")"
        return "$s"
}

# Move what the manager published into the cache: a temporary name first (a copy if the cache is
# on another file system), flushed, then one rename.
_image_store() {        # IMAGE ENTRY
        local src="$SYSCTR_STATE_DIR/images/$1" tmp="$SYSCTR_TEST_IMAGE_CACHE/.#$1.incoming-$$"
        # sysctrd publishes an image as a version (IMAGE@TAG) that the link IMAGE names: the tree.
        if [ -L "$src" ]; then
                src=$(readlink -f "$src") || return 1
                rm -f "$SYSCTR_STATE_DIR/images/$1"
        fi
        _image_complete "$src" || { diag "the manager published an incomplete image: $(ls -A "$src" 2>&1)"; return 1; }
        mv -T "$src" "$tmp" && sync -f "$tmp" && mv -T "$tmp" "$SYSCTR_TEST_IMAGE_CACHE/$2" &&
                sync -f "$SYSCTR_TEST_IMAGE_CACHE"
}

# Remove the entries of IMAGE other than ENTRY that no test holds (called with the lock held).
_image_prune() {        # IMAGE ENTRY
        local e cache=$SYSCTR_TEST_IMAGE_CACHE
        for e in "$cache/$1@"*; do
                [ -d "$e" ] && [ "$e" != "$cache/$2" ] || continue
                flock -xn "$e.use" true || continue
                diag "removing $e: made from an older version of the template"
                mv -T "$e" "$cache/.#$1.stale-$$" && rm -rf --one-file-system "$cache/.#$1.stale-$$"
                rm -f "$e.use"
        done
}

# use_cached_image TEMPLATE RELEASE: make the image available to this instance, building it first
# if no run did yet. After setup_instance. Sets IMAGE (its name) and IMAGE_BUILT.
use_cached_image() {
        local template=$1 release=$2 key entry cache=$SYSCTR_TEST_IMAGE_CACHE lock_fd use_fd
        IMAGE=$(image_name "$template" "$release")
        key=$(_image_key "$template") || bail "cannot read the $template template"
        entry="$IMAGE@$key"
        mkdir -p "$cache" || bail "cannot create $cache"
        exec {lock_fd}>>"$cache/.lock.$IMAGE" || bail "cannot open $cache/.lock.$IMAGE"
        flock -w 2400 "$lock_fd" || bail "waited 40 minutes for $cache/.lock.$IMAGE"
        rm -rf --one-file-system "$cache/.#$IMAGE."*
        if ! _image_complete "$cache/$entry"; then
                if ! _image_build "$template" "$release" || ! _image_store "$IMAGE" "$entry"; then
                        rm -rf --one-file-system "$cache/.#$IMAGE."*
                        exec {lock_fd}>&-
                        bail "could not build the $template $release image"
                fi
                IMAGE_BUILT=$IMAGE
        fi
        # Held until this test exits (its children inherit it: harmless, they end with it).
        exec {use_fd}>>"$cache/$entry.use" && flock -s "$use_fd"
        _image_prune "$IMAGE" "$entry"
        exec {lock_fd}>&-
        ln -sfn "$cache/$entry" "$SYSCTR_STATE_DIR/images/$IMAGE" || bail "cannot link the image"
        diag "image $IMAGE: $cache/$entry${IMAGE_BUILT:+ (built by this test)}"
}

# ---------------------------------------------------------------------------------------------------
# Booted guests

# guest_sh NAME SCRIPT: run SCRIPT with sh -c in the container, as "run" does ($out $err $rc).
guest_sh() { run sysctr exec "$1" -- sh -c "$2"; }

# Wait until the guest's systemd finished booting; prints its state (running, degraded...).
guest_wait_booted() {
        timeout 90 "$top_builddir/sysctr" exec "$1" -- systemctl is-system-running --wait 2>/dev/null
}

# cap_bits HEX BIT...: the BITs among BIT... that are set in the capability mask HEX (as in
# /proc/PID/status), separated by spaces; nothing if none is.
cap_bits() {
        local mask=$1 b set=()
        shift
        for b in "$@"; do
                (( (16#$mask >> b) & 1 )) && set+=("$b")
        done
        echo "${set[*]}"
}

status_field() { printf '%s\n' "$1" | sed -n "s/^$2:[[:space:]]*//p"; }      # TEXT KEY

# A terminal for interactive commands (sysctr shell, sysctr console): a tmux server of the test's
# own on a socket in $T, ended at cleanup. The command runs under sh, which writes its exit status
# to a file: tmux's own record of it is unreliable (Debian's tmux calls libutempter when the pty
# closes, which sets SIGCHLD to SIG_DFL while it waits for its helper: a pane command that exits
# in that window is not reaped until the next SIGCHLD, and its status is missing meanwhile).
tmx() { tmux -S "$T/tmux.sock" "$@"; }
tmux_start() {          # SESSION COMMAND
        rm -f "$T/tmux-$1.status"
        tmx new-session -d -s "$1" -x 160 -y 50 "$2; echo \$? > '$T/tmux-$1.status'" || return 1
        tmx set-option -t "$1" remain-on-exit on >/dev/null
        [ -n "${_tmux_hooked:-}" ] || { at_cleanup 'tmx kill-server'; _tmux_hooked=1; }
}
tmux_screen() { tmx capture-pane -p -J -S -200 -t "$1" 2>/dev/null; }
_tmux_shows() { tmux_screen "$1" | grep -Eq -- "$2"; }
# tmux_wait SESSION ERE [SECONDS]: until the pane shows a line matching ERE.
tmux_wait() { wait_for "${3:-10}" _tmux_shows "$1" "$2"; }
tmux_exited() { [ -s "$T/tmux-$1.status" ]; }
tmux_exit_status() { cat "$T/tmux-$1.status" 2>/dev/null; }
tmux_pane_ps() {        # SESSION: the processes of the pane, for diagnostics
        local p
        p=$(tmx display-message -p -t "$1" '#{pane_pid}')
        ps -o pid,ppid,stat,wchan:20,cmd -p "$p" --ppid "$p" 2>&1
}

trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
