#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The debian template booting systemd: create (one cached image, no copy per container), templates
# and images, boot to "running" with nothing failed, what systemd's container interface promises
# the guest (detect-virt, /run/host, $container, machine-id, hostname, journal), readiness through
# the notify socket, the cgroup layout, and a restart. One boot (and one restart) for all of it.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance
use_cached_image debian bookworm

# --- create: the image is shared, not copied
t0=$(now_s)
run sysctr create debian web1 --release bookworm
dt1=$(elapsed_s "$t0")
is "$rc" 0 "create debian web1 --release bookworm" || { diag "$err"; bail "cannot create web1"; }
t0=$(now_s)
run sysctr create debian web2
dt2=$(elapsed_s "$t0")
is "$rc" 0 "create debian web2 (the template's default release)" || diag "$err"
diag "create took $dt1 s and $dt2 s with the image cached"
cmp_ok "$dt2" '<' 2 "create with a cached image is fast ($dt2 s): nothing is copied"
is "$(config_field web1 release)" bookworm "web1's config names release bookworm"
run sysctr info web1 --json
img1=$(printf '%s' "$out" | json_query 'field(j, "image")')
id=$(printf '%s' "$out" | json_query 'field(j, "id")')
run sysctr info web2 --json
img2=$(printf '%s' "$out" | json_query 'field(j, "image")')
is "$img1" "$IMAGE" "web1 uses image $IMAGE"
is "$img2" "$img1" "web2 uses the same image"
ls_images=$(ls -A "$SYSCTR_STATE_DIR/images")
is "$ls_images" "$IMAGE" "the instance holds one image, no copy per container"
for c in web1 web2; do
        kib=$(du -sk "$SYSCTR_STATE_DIR/containers/$c" | cut -f 1)
        cmp_ok "$kib" '<' 1024 "$c's state dir (upper layer included) is nearly empty: $kib KiB"
done

# --- templates and images
run sysctr template list
is "$rc" 0 "template list" || diag "$err"
ok "template list shows the debian template" mentions "$out" debian
ok "template list shows the cached image $IMAGE" mentions "$out" "$IMAGE"
run sysctr template list --json
ok "template list --json is JSON naming $IMAGE" eval 'printf "%s" "$out" | json_query "j" | grep -q "$IMAGE"'
run sysctr template remove "$IMAGE"
isnt "$rc" 0 "template remove $IMAGE is refused while containers use it"
ok "... with a message naming a user of it" eval 'mentions "$err$out" web1 || mentions "$err$out" web2'
ok "... and the image is still there" test -d "$SYSCTR_STATE_DIR/images/$IMAGE/rootfs/etc"
run sysctr delete web2
is "$rc" 0 "delete web2"

# --- boot: start returns once the guest's systemd reported READY=1 (through the notify socket)
t0=$(now_s)
run sysctr start web1
dt=$(elapsed_s "$t0")
is "$rc" 0 "start web1" || { diag "$err" "$(tail -n 30 "$SYSCTR_LOG_DIR/web1.log" 2>/dev/null)"; bail "web1 did not start"; }
diag "start-to-running: $dt s"
run sysctr exec web1 -- systemctl is-system-running
is "$out" running "is-system-running (no --wait) right after start: the guest was ready before start returned"
is "$(container_state web1)" running "web1 is running"
is "$(guest_wait_booted web1)" running "systemctl is-system-running --wait prints running"
run sysctr exec web1 -- systemctl --failed --no-legend --plain
is "$out" "" "no failed units"
ok "the notify socket is bound at /run/host/notify/notify" eval \
        'sysctr exec web1 -- test -S /run/host/notify/notify'
run sysctr exec web1 -- sh -c 'tr "\0" "\n" < /proc/1/environ'
ok "PID 1 was told the notify socket" mentions "$out" NOTIFY_SOCKET=/run/host/notify/notify

# --- the container interface (systemd's docs/CONTAINER_INTERFACE.md)
ok "PID 1's environment has container=sysctr" eval 'printf "%s\n" "$out" | grep -qx container=sysctr'
ok "PID 1's environment has container_uuid=$id" eval 'printf "%s\n" "$out" | grep -qx "container_uuid=$id"'
run sysctr exec web1 -- systemd-detect-virt -c
# systemd 252 knows a fixed list of managers and reports any other one as "container-other"; what
# names us is $container, /run/systemd/container and /run/host/container-manager (asserted below).
is "$out" container-other "systemd-detect-virt -c: container-other (systemd 252's name for a manager it does not list)"
diag "systemd-detect-virt cannot name sysctr: systemd 252 maps \$container values it does not know to container-other"
run sysctr exec web1 -- cat /run/systemd/container
is "$out" sysctr "/run/systemd/container names sysctr"
run sysctr exec web1 -- cat /run/host/container-manager
is "$out" sysctr "/run/host/container-manager names sysctr"
run sysctr exec web1 -- cat /run/host/container-uuid
is "$out" "$id" "/run/host/container-uuid is the container's UUID"
run sysctr exec web1 -- cat /run/host/os-release
ok "/run/host/os-release is the host's os-release" eval \
        '[ -n "$out" ] && [ "$out" = "$(cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release)" ]'

machine_id=${id//-/}
run sysctr exec web1 -- cat /etc/machine-id
is "$out" "$machine_id" "/etc/machine-id is the UUID without dashes"
run sysctr exec web1 -- hostname
is "$out" web1 "the kernel hostname is web1"
run sysctr exec web1 -- hostnamectl
ok "hostnamectl shows the static hostname web1" eval 'printf "%s\n" "$out" | grep -Eq "Static hostname: web1$"'
ok "hostnamectl reports a container" eval 'printf "%s\n" "$out" | grep -Eq "Virtualization: container-other|Chassis: container"'

# --- boot ID: each boot of the guest gets its own (nspawn overmounts /proc/sys/kernel/random/boot_id
# with a random one), or "journalctl -b" mixes the guest's boots with each other and with the host's.
run sysctr exec web1 -- cat /proc/sys/kernel/random/boot_id
boot_id1=$out
like "$boot_id1" '^[0-9a-f-]{36}$' "the guest has a boot ID"
isnt "$boot_id1" "$(cat /proc/sys/kernel/random/boot_id)" "... of its own, not the host's"

# --- journal
run sysctr exec web1 -- journalctl -b --no-pager -n 5 -q
cmp_ok "$(printf '%s\n' "$out" | grep -c .)" '>=' 1 "journalctl -b prints the boot's lines"
tag="sctest$$"
run sysctr exec web1 -- logger -t "$tag" hello-test
is "$rc" 0 "logger runs"
ok "journalctl -t finds what logger sent" wait_for 5 eval \
        '"$top_builddir/sysctr" exec web1 -- journalctl -t "$tag" --no-pager -q | grep -q hello-test'

# --- cgroups: the guest sees its own cgroup2 tree, the host keeps the unit's layout
run sysctr exec web1 -- cat /proc/1/cgroup
isnt "$out" "" "/proc/1/cgroup is not empty"
# The guest's cgroup namespace is rooted at payload/: every path is "/", except that systemd moves
# itself into /init.scope of its own tree at boot.
is "$(printf '%s\n' "$out" | grep -v -e ':/$' -e '^0::/init\.scope$')" "" \
        "every line of /proc/1/cgroup ends in ':/' (or is systemd's own 0::/init.scope)"
run sysctr exec web1 -- cat /proc/self/cgroup
unlike "$out" "$CG_NAME|payload|sysctr@" "an exec'd process sees no host cgroup path either"
run sysctr exec web1 -- stat -f -c %T /sys/fs/cgroup
is "$out" cgroup2fs "/sys/fs/cgroup inside is cgroup2"
run sysctr exec web1 -- sh -c 'awk "\$5 == \"/sys/fs/cgroup\" { print \$6 }" /proc/self/mountinfo'
like "$out" '^rw(,|$)' "/sys/fs/cgroup is mounted read-write"
run sysctr exec web1 -- sh -c 'mkdir /sys/fs/cgroup/sctest.slice && rmdir /sys/fs/cgroup/sctest.slice'
is "$rc" 0 "a cgroup can be made and removed inside" || diag "$err"
run sysctr exec web1 -- systemd-run --quiet --scope true
is "$rc" 0 "systemd-run --scope true works inside" || diag "$err"
run sysctr exec web1 -- systemd-run --quiet --wait -p Type=oneshot true
is "$rc" 0 "systemd-run --wait (a transient service) works inside" || diag "$err"

ucg=$(unit_cgroup web1)
leader=$(leader_of web1)
agent=$(agent_field web1 AGENT_PID)
ok "the unit cgroup exists: $ucg" test -d "$ucg"
is "$(cat "$ucg/cgroup.procs" 2>&1)" "" "the unit cgroup holds no process itself"
ok "the agent $agent is in supervisor/" grep -qx "$agent" "$ucg/supervisor/cgroup.procs"
like "$(sed -n 's/^0:://p' "/proc/$leader/cgroup")" "^${ucg#"$(_cg2_mount)"}/payload(/|$)" \
        "the guest's init $leader is in payload/ (or below it)"
n=$(find "$ucg/payload" -mindepth 2 -name cgroup.procs -exec cat {} + | wc -l)
cmp_ok "$n" '>' 0 "the guest's services run in cgroups systemd made below payload/ ($n processes)"
# Unprivileged (the default): payload/ is delegated to the container's root, a host ID of its own.
base=$(config_field web1 id-base)
like "$base" '^[0-9]+$' "web1 is unprivileged, its root is host ID $base"
is "$(stat -c '%u:%g' "$ucg/payload" "$ucg/payload/cgroup.procs" "$ucg/payload/cgroup.subtree_control" | sort -u)" \
        "$base:$base" "payload/ and its delegation files belong to the container's root"
run sysctr exec web1 -- sh -c 'stat -c %u:%g /sys/fs/cgroup /sys/fs/cgroup/cgroup.procs | sort -u'
is "$out" "0:0" "inside, the cgroup tree is root's"

# --- restart: a new boot of the same machine
run sysctr restart web1
is "$rc" 0 "restart web1" || diag "$err"
leader2=$(leader_of web1)
isnt "$leader2" "$leader" "restart gives a new init ($leader -> $leader2)"
is "$(guest_wait_booted web1)" running "running again after the restart"
run sysctr exec web1 -- cat /etc/machine-id
is "$out" "$machine_id" "the machine-id is stable across a restart"
run sysctr exec web1 -- cat /proc/sys/kernel/random/boot_id
isnt "$out" "$boot_id1" "the new boot has a new boot ID"
# The image keeps its journal in /var/log/journal (persistent): both boots are there, apart.
run sysctr exec web1 -- sh -c 'journalctl --list-boots --no-pager -q | wc -l'
is "$out" 2 "journalctl --list-boots shows the two boots"
run sysctr exec web1 -- journalctl -b -1 --no-pager -q -t "$tag"
like "$out" hello-test "journalctl -b -1 finds the first boot's message"
run sysctr exec web1 -- systemctl --failed --no-legend --plain
is "$out" "" "no failed units after the restart"
guest_state() { busctl --system get-property org.sysctr1 /org/sysctr1/container/web1 org.sysctr1.Container GuestState; }
ok "sysctrd asked the guest how its boot went: GuestState running" wait_for 15 eval '[ "$(guest_state)" = "s \"running\"" ]'

# A guest whose boot fails a unit is reported so: GuestState, sysctr info and list, the log.
run sysctr exec web1 -- sh -c 'printf "[Service]\nExecStart=/bin/false\n[Install]\nWantedBy=multi-user.target\n" \
        > /etc/systemd/system/sctfail.service && systemctl enable sctfail.service'
is "$rc" 0 "a unit that fails is enabled inside" || diag "$err"
run sysctr restart web1
is "$rc" 0 "restart web1" || diag "$err"
ok "GuestState says degraded" wait_for 15 eval '[ "$(guest_state)" = "s \"degraded\"" ]'
run sysctr info web1
like "$out" 'GuestState: degraded' "sysctr info shows it"
run sysctr list
like "$out" 'web1 +degraded ' "sysctr list shows web1 as degraded"
like "$(cat "$T/sysctrd.log")" 'web1 runs, but its systemd is degraded' "sysctrd's log says so"
run sysctr exec web1 -- sh -c 'systemctl disable sctfail.service && rm /etc/systemd/system/sctfail.service'

run sysctr stop web1
is "$rc" 0 "stop web1"
run sysctr delete web1
is "$rc" 0 "delete web1"
ok "the cached image is still complete" _image_complete "$SYSCTR_STATE_DIR/images/$IMAGE"
