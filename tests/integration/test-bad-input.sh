#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bad names, an unknown template and a duplicate: refused at the boundary (CLI and D-Bus) with a
# message naming the bad value, and nothing new appears on disk.
. "$(dirname "$0")/lib.sh"
require_root
require_commands gdbus
setup_instance

long=$(printf 'a%.0s' $(seq 64))
bad_names=(../x x/y . -a A a_b 1234 "$long" "" "a-" "-" "x y" "é")

run sysctr create busybox t1
is "$rc" 0 "create t1 (for the duplicate check)"

listing() { ls -A "$SYSCTR_STATE_DIR/containers" "$SYSCTR_STATE_DIR/images" 2>&1; }
before=$(listing)

# --- the CLI
for n in "${bad_names[@]}"; do
        run sysctr create busybox -- "$n"
        isnt "$rc" 0 "CLI: create '$n' fails"
        [ -z "$n" ] || ok "CLI: the message names '$n'" mentions "$err$out" "$n"
done
run sysctr create nosuchtemplate x1
isnt "$rc" 0 "CLI: create with an unknown template fails"
ok "CLI: the message names the template" mentions "$err$out" nosuchtemplate
run sysctr create ../evil x2
isnt "$rc" 0 "CLI: create with template '../evil' fails"
ok "CLI: the message names it" mentions "$err$out" ../evil
run sysctr create busybox t1
isnt "$rc" 0 "CLI: create of a duplicate name fails"
ok "CLI: the message names t1" mentions "$err$out" t1
like "$err$out" 'already exists' "CLI: the message says it already exists"
for verb in start stop delete info; do
        run sysctr "$verb" -- ../x
        isnt "$rc" 0 "CLI: $verb '../x' fails"
        ok "CLI: $verb names '../x'" mentions "$err$out" ../x
done
is "$(listing)" "$before" "CLI: nothing new under the state dir"

# --- D-Bus (busctl: exit status and message; gdbus: the error name)
mgr=(org.sysctr1 /org/sysctr1 org.sysctr1.Manager)
gcall() {
        gdbus call --system --dest org.sysctr1 --object-path /org/sysctr1 \
                --method "org.sysctr1.Manager.$1" -- "${@:2}" 2>&1
}
for n in "${bad_names[@]}"; do
        run busctl --system call -- "${mgr[@]}" CreateContainer 'ssa{sv}' "$n" busybox 0
        isnt "$rc" 0 "busctl: CreateContainer '$n' fails"
        [ -z "$n" ] || ok "busctl: the message names '$n'" mentions "$err" "$n"
        o=$(gcall CreateContainer "$n" busybox '@a{sv} {}')
        like "$o" 'org\.sysctr1\.Error\.InvalidName|org\.freedesktop\.DBus\.Error\.InvalidArgs' \
                "gdbus: CreateContainer '$n' is InvalidName or InvalidArgs"
done
o=$(gcall CreateContainer x1 nosuchtemplate '@a{sv} {}')
like "$o" 'org\.sysctr1\.Error\.NoSuchTemplate' "D-Bus: an unknown template is NoSuchTemplate"
o=$(gcall CreateContainer x1 ../evil '@a{sv} {}')
like "$o" 'org\.sysctr1\.Error\.(NoSuchTemplate|InvalidName)|InvalidArgs' "D-Bus: template '../evil' is refused"
o=$(gcall CreateContainer t1 busybox '@a{sv} {}')
like "$o" 'org\.sysctr1\.Error\.ContainerExists' "D-Bus: a duplicate is ContainerExists"
o=$(gcall CreateContainer x1 busybox "{'no-such-option': <'x'>}")
like "$o" 'org\.freedesktop\.DBus\.Error\.InvalidArgs' "D-Bus: an unknown option is InvalidArgs"
ok "D-Bus: ... naming it" mentions "$o" no-such-option
o=$(gcall CreateContainer x1 busybox "{'stop-timeout': <'ten'>}")
like "$o" 'org\.freedesktop\.DBus\.Error\.InvalidArgs' "D-Bus: a wrong option type is InvalidArgs"
o=$(gcall CreateContainer x1 busybox "{'stop-signal': <'SIGNOPE'>}")
like "$o" 'InvalidArgs|org\.sysctr1\.Error\.InvalidConfig' "D-Bus: a bad stop signal is refused"
ok "D-Bus: ... naming it" mentions "$o" SIGNOPE
o=$(gcall CreateContainer x1 busybox "{'init': <@as ['sbin/init']>}")
like "$o" 'InvalidArgs|org\.sysctr1\.Error\.InvalidConfig' "D-Bus: a relative init is refused"
for m in StartContainer StopContainer DeleteContainer GetContainer RestartContainer; do
        o=$(gcall "$m" ../x)
        like "$o" 'org\.sysctr1\.Error\.(InvalidName|NoSuchContainer)|InvalidArgs' "D-Bus: $m '../x' is refused"
        o=$(gcall "$m" nosuch)
        like "$o" 'org\.sysctr1\.Error\.NoSuchContainer' "D-Bus: $m of a missing container is NoSuchContainer"
done
o=$(gcall KillContainer t1 9)
like "$o" 'org\.sysctr1\.Error\.ContainerNotRunning' "D-Bus: KillContainer of a stopped one is ContainerNotRunning"
o=$(gcall KillContainer nosuch 9)
like "$o" 'org\.sysctr1\.Error\.NoSuchContainer' "D-Bus: KillContainer of a missing one is NoSuchContainer"
is "$(listing)" "$before" "D-Bus: nothing new under the state dir"

run sysctr delete t1
is "$rc" 0 "delete t1"
