#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Cockpit page in a real browser on a real bridge (issue 12): a private system bus with sysctrd
# and a polkitd of the test's own (lib.sh), the page installed from the build into a temp dir,
# Debian's cockpit-ws --local-session=cockpit-bridge on 127.0.0.1 twice (as nobody, whom the polkit
# rule allows, and as daemon, whom it refuses), and headless Chromium driven through chromedriver by
# tests/cockpit/browser.py (Debian's python3-selenium). browser.py does the steps and the checks and
# reports each as a line; this script sets up, turns the lines into TAP and cleans up. sysctrd runs
# in the instance's network namespace (lib.sh): the networks the page makes live there only.
#
# Screenshots of the main views go to $T/shots, and to $SYSCTR_SCREENSHOT_DIR when that is set
# (docs/screenshots/ was made that way).
. "$(dirname "$0")/../integration/lib.sh"
require_root

COCKPIT_WS=/usr/lib/cockpit/cockpit-ws
COCKPIT_BRIDGE=/usr/bin/cockpit-bridge
CHROMEDRIVER=/usr/bin/chromedriver
missing=
for f in "$COCKPIT_WS" "$COCKPIT_BRIDGE" /usr/bin/chromium "$CHROMEDRIVER"; do
        [ -x "$f" ] || missing="$missing $f"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null || missing="$missing python3-selenium"
[ -z "$missing" ] || skip_all "missing:$missing (tools/install-deps installs cockpit-ws cockpit-bridge chromium chromium-driver python3-selenium)"
grep -q '^install-cockpit-page:' "$top_builddir/Makefile" 2>/dev/null || skip_all "the page is not built (configure --disable-cockpit)"
require_commands setpriv busctl make nft ip

setup_instance

# Templates: busybox, and "slowbox", busybox with a build that takes a few seconds and reports its
# progress by the template contract (PROGRESS=NN), so that the page has a job to show and cancel.
mkdir -p "$T/templates" || bail "mkdir failed"
cp -r "$top_srcdir/templates/busybox" "$T/templates/"
mkdir -p "$T/templates/slowbox"
cp "$top_srcdir/templates/busybox/template.yaml" "$T/templates/slowbox/"
cat > "$T/templates/slowbox/build" <<'EOS'
#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# busybox, slowly: ten steps of progress before the real build.
for p in 5 10 20 30 40 50 60 70 80 90; do echo "PROGRESS=$p"; sleep 0.5; done
"$(dirname "$0")/../busybox/build" "$@" && echo "PROGRESS=100"
EOS
chmod -R a+rX "$T/templates" && chmod +x "$T/templates/slowbox/build"
export SYSCTR_TEMPLATE_DIR="$T/templates"
stop_sysctrd
start_sysctrd

# The page, installed as "make install" would, into a directory of the bridge's XDG_DATA_DIRS.
make -s -C "$top_builddir" install-cockpit-page DESTDIR="$T/root" cockpitdir=/share/cockpit/sysctr \
        >"$T/install.log" 2>&1 || bail "installing the page failed: $(tail -n 5 "$T/install.log")"
chmod -R a+rX "$T/root"

start_polkit '
polkit.addRule(function(action, subject) {
        if (action.id.indexOf("org.sysctr1.") == 0)
                return subject.isInGroup("nogroup") ? polkit.Result.YES : polkit.Result.NO;
});'

free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# kill_tree PID: the process and everything below it (all started by this test), leaves first.
kill_tree() {
        local p
        pid_alive "$1" || return 0
        for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do
                kill_tree "$p"
        done
        kill_wait "$1" 5
}

# start_ws UID: cockpit-ws serving a session of that user on 127.0.0.1; prints its port.
WS_PIDS=()
start_ws() {
        local port
        port=$(free_port) || bail "no free port"
        as_user "$1" env XDG_DATA_DIRS="$T/root/share:/usr/share" PATH="$top_builddir:$PATH" \
                XDG_CACHE_HOME="$T/cache-$1" \
                "$COCKPIT_WS" --local-session="$COCKPIT_BRIDGE" --port "$port" --address 127.0.0.1 \
                >"$T/cockpit-ws-$1.log" 2>&1 &
        WS_PIDS+=($!)
        wait_for 10 "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $port))" ||
                bail "cockpit-ws did not start: $(tail -n 5 "$T/cockpit-ws-$1.log")"
        echo "$port"
}
at_cleanup 'for p in "${WS_PIDS[@]}"; do kill_tree "$p"; done'
mkdir -m 0777 "$T/cache-65534" "$T/cache-$(id -u daemon)"
port_allowed=$(start_ws 65534)
port_denied=$(start_ws "$(id -u daemon)")

# Containers made with the CLI before the page opens.
run sysctr create busybox b1
is "$rc" 0 "CLI: create b1" || diag "$err"
run sysctr start b1
is "$rc" 0 "CLI: start b1" || diag "$err"
run sysctr create busybox b2
is "$rc" 0 "CLI: create b2" || diag "$err"
run sysctr create busybox Bad_Name
bad_name_message=${err#sysctr: }
isnt "$bad_name_message" "" "CLI: a bad name is refused with a message"
run sysctr network create Bad_Net
net_bad_name_message=${err#sysctr: }
isnt "$net_bad_name_message" "" "CLI: a bad network name is refused with a message"
run sysctr create busybox p1 --publish 80:abc
port_bad_message=${err#sysctr: }
isnt "$port_bad_message" "" "CLI: a bad published port is refused with a message"
run sysctr volume create Bad_Vol
vol_bad_name_message=${err#sysctr: }
isnt "$vol_bad_name_message" "" "CLI: a bad volume name is refused with a message"
run sysctr volume create v1 --size 12X
size_bad_message=${err#sysctr: }
isnt "$size_bad_message" "" "CLI: a bad volume size is refused with a message"
run sysctr create busybox p1 --volume data
vol_bad_spec_message=${err#sysctr: }
isnt "$vol_bad_spec_message" "" "CLI: a bad --volume is refused with a message"

# For the networks view, in sysctrd's network namespace (the instance's own, removed with it): a
# dummy link as a macvlan parent, and a foreign table whose forward chain drops by policy, as
# Docker's or ufw's does, for the doctor to find. (A veth pair: this kernel has no dummy links.)
in_netns ip link add ctparent0 type veth peer name ctparent0p && in_netns ip link set ctparent0 up ||
        bail "cannot add a veth pair in $NETNS"
in_netns nft add table inet cockpit-foreign &&
        in_netns nft add chain inet cockpit-foreign forward '{ type filter hook forward priority 0; policy drop; }' ||
        bail "cannot add a foreign forward chain in $NETNS"

mkdir -p "$T/shots" "$T/chromium"
t0=$(now_s)
COCKPIT_URL_ALLOWED="http://127.0.0.1:$port_allowed" COCKPIT_URL_DENIED="http://127.0.0.1:$port_denied" \
        SYSCTR="$top_builddir/sysctr" BAD_NAME_MESSAGE="$bad_name_message" SHOTS="$T/shots" \
        NET_BAD_NAME_MESSAGE="$net_bad_name_message" PORT_BAD_MESSAGE="$port_bad_message" MACVLAN_PARENT=ctparent0 \
        VOL_BAD_NAME_MESSAGE="$vol_bad_name_message" SIZE_BAD_MESSAGE="$size_bad_message" \
        VOL_BAD_SPEC_MESSAGE="$vol_bad_spec_message" \
        CHROMIUM_DIR="$T/chromium" CHROMEDRIVER="$CHROMEDRIVER" \
        /usr/bin/python3 "$top_srcdir/tests/cockpit/browser.py" \
        >"$T/browser.out" 2>"$T/browser.err" &
BROWSER_PID=$!
# browser.py leads a process group of its own (chromedriver, chromium): ended whole at cleanup.
at_cleanup 'kill -KILL -- "-$BROWSER_PID" 2>/dev/null'
wait "$BROWSER_PID"
s=$?
diag "browser steps took $(elapsed_s "$t0") s"

while IFS=$'\t' read -r status desc detail; do
        case $status in
        PASS) pass "$desc" ;;
        FAIL) fail "$desc" "$detail" ;;
        DIAG) diag "$desc" ;;
        esac
done < "$T/browser.out"
is "$s" 0 "browser.py ran to its end" || diag "$(tail -n 30 "$T/browser.err")"

if [ -n "${SYSCTR_SCREENSHOT_DIR:-}" ]; then
        mkdir -p "$SYSCTR_SCREENSHOT_DIR" && cp "$T/shots/"*.png "$SYSCTR_SCREENSHOT_DIR/"
fi
