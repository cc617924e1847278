#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The D-Bus API of sysctrd (docs/dbus-api.md) through two independent clients, busctl (sd-bus) and
# gdbus (GLib), against a private dbus-daemon. Without root, sysctrd runs as the current user (it
# trusts its own uid) and everything but starting containers and the access checks is tested.
. "$(dirname "$0")/../integration/lib.sh"
require_commands gdbus busctl
setup_instance

M=(org.sysctr1 /org/sysctr1 org.sysctr1.Manager)
CPATH=/org/sysctr1/container
bcall() { busctl --system call "${M[@]}" "$@" 2>&1; }
gcall() {               # gcall OBJECT-PATH INTERFACE.METHOD ARGS...
        gdbus call --system --dest org.sysctr1 --object-path "$1" --method "$2" -- "${@:3}" 2>&1
}
prop() { busctl --system get-property org.sysctr1 "$1" "$2" "$3" 2>&1; }
cprop() { prop "$CPATH/$1" org.sysctr1.Container "$2"; }

# Signals: gdbus monitor subscribes before it asks who owns the name, so once it prints the owner
# every later signal is in its log.
timeout 120 gdbus monitor --system --dest org.sysctr1 >"$T/monitor.log" 2>&1 &
MONITOR=$!
ok "gdbus monitor is ready" wait_for 10 grep -q 'is owned by' "$T/monitor.log"
monitor_has() { grep -F -- "$1" "$T/monitor.log" | grep -qF -- "$2"; }

# --- introspection: every method with its argument names
o=$(gdbus introspect --system --dest org.sysctr1 --object-path /org/sysctr1 2>&1)
for sig in 'CreateContainer(in  s name,' 'in  s template,' 'in  a{sv} options,' 'out o container)' \
           'DeleteContainer(in  s name)' 'StartContainer(in  s name)' 'StopContainer(in  s name)' \
           'StopContainerWithTimeout(in  s name,' 'in  t timeout_usec)' 'RestartContainer(in  s name)' \
           'KillContainer(in  s name,' 'in  i signal)' 'GetContainer(in  s name,' \
           'ListContainers(out a(ssso)' 'ListTemplates(out a(ss)' \
           'ContainerNew(s name,' 'ContainerRemoved(s name,' 'readonly s Version' 'readonly s Mode'; do
        ok "gdbus introspect /org/sysctr1: $sig" grep -qF -- "$sig" <<< "$o"
done
unlike "$o" 'arg_[0-9]' "no unnamed arguments"
o=$(busctl --system introspect org.sysctr1 /org/sysctr1 org.sysctr1.Manager 2>&1)
like "$o" '^\.CreateContainer +method +ssa\{sv\} +o ' "busctl introspect: CreateContainer ssa{sv} -> o"
like "$o" '^\.ListContainers +method +- +a\(ssso\) ' "busctl introspect: ListContainers -> a(ssso)"
like "$o" '^\.ContainerNew +signal +so ' "busctl introspect: ContainerNew(so)"
o=$(busctl --system call org.sysctr1 /org/sysctr1 org.freedesktop.DBus.Introspectable Introspect 2>&1)
like "$o" '<arg type=\\?"s\\?" name=\\?"template\\?" direction=\\?"in\\?"' "Introspect XML names the arguments"

is "$(prop /org/sysctr1 org.sysctr1.Manager Mode)" 's "standalone"' "Mode is standalone (PID 1 is not systemd here)"
like "$(prop /org/sysctr1 org.sysctr1.Manager Version)" '^s "[0-9]' "Version is set"

# --- list, create
is "$(bcall ListContainers)" 'a(ssso) 0' "ListContainers: empty at first"
o=$(bcall ListTemplates)
like "$o" '"busybox" "Minimal BusyBox system' "ListTemplates: busybox with its description"

is "$(bcall CreateContainer 'ssa{sv}' d1 busybox 0)" "o \"$CPATH/d1\"" "CreateContainer d1 -> its object path"
ok "ContainerNew(d1) is emitted" wait_for 5 monitor_has ContainerNew "'d1', objectpath '$CPATH/d1'"
is "$(bcall CreateContainer 'ssa{sv}' web-2 busybox 3 stop-timeout u 3 autostart b true stop-signal s SIGTERM)" \
        "o \"$CPATH/web_2d2\"" "CreateContainer web-2 with options -> an escaped object path"
ok "ContainerNew(web-2) is emitted" wait_for 5 monitor_has ContainerNew "'web-2', objectpath '$CPATH/web_2d2'"
is "$(bcall ListContainers)" \
        "a(ssso) 2 \"d1\" \"stopped\" \"busybox\" \"$CPATH/d1\" \"web-2\" \"stopped\" \"busybox\" \"$CPATH/web_2d2\"" \
        "ListContainers: both, sorted by name"
is "$(bcall GetContainer s d1)" "o \"$CPATH/d1\"" "GetContainer d1"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.GetContainer nosuch)" 'org\.sysctr1\.Error\.NoSuchContainer' \
        "GetContainer of a missing one: NoSuchContainer"

# --- container objects
id=$(config_field d1 id)
is "$(cprop d1 Name)" 's "d1"' "d1: Name"
is "$(cprop d1 Id)" "s \"$id\"" "d1: Id is the UUID of its config.yaml"
like "$id" '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "d1: the Id is a UUID"
is "$(cprop d1 Template)" 's "busybox"' "d1: Template"
is "$(cprop d1 State)" 's "stopped"' "d1: State"
is "$(cprop d1 Leader)" 'u 0' "d1: Leader is 0 when stopped"
is "$(cprop d1 Unit)" 's "sysctr@d1.service"' "d1: Unit"
is "$(cprop d1 Addresses)" 'as 0' "d1: Addresses"
is "$(cprop d1 Autostart)" 'b false' "d1: Autostart"
is "$(cprop d1 StopSignal)" 's "SIGUSR2"' "d1: StopSignal from the template"
is "$(cprop d1 StopTimeoutUSec)" 't 10000000' "d1: StopTimeoutUSec default"
is "$(cprop web_2d2 Name)" 's "web-2"' "web-2: Name"
is "$(cprop web_2d2 Autostart)" 'b true' "web-2: Autostart from the options"
is "$(cprop web_2d2 StopSignal)" 's "SIGTERM"' "web-2: StopSignal from the options"
is "$(cprop web_2d2 StopTimeoutUSec)" 't 3000000' "web-2: StopTimeoutUSec from the options"
o=$(gdbus introspect --system --dest org.sysctr1 --object-path "$CPATH/d1" 2>&1)
for sig in 'interface org.sysctr1.Container' 'Start();' 'Stop();' 'Restart();' 'Kill(in  i signal);' 'Delete();' \
           'readonly s Name' 'readonly s Id' 'readonly s State' 'readonly u Leader' 'readonly as Addresses' \
           'readonly b Autostart' 'readonly t StopTimeoutUSec'; do
        ok "gdbus introspect d1: $sig" grep -qF -- "$sig" <<< "$o"
done
o=$(busctl --system introspect org.sysctr1 "$CPATH/d1" org.sysctr1.Container 2>&1)
like "$o" '^\.Kill +method +i +- ' "busctl introspect d1: Kill(i)"
like "$o" '^\.State +property +s +"stopped" +emits-change' "busctl introspect d1: State emits PropertiesChanged"
like "$o" '^\.Id +property +s +"[0-9a-f-]{36}" +const' "busctl introspect d1: Id is constant"
o=$(gdbus introspect --system --dest org.sysctr1 --object-path "$CPATH" 2>&1)
like "$o" 'node d1' "the container node lists d1"
like "$o" 'node web_2d2' "the container node lists web_2d2"
o=$(gdbus call --system --dest org.sysctr1 --object-path "$CPATH/d1" \
        --method org.freedesktop.DBus.Properties.GetAll org.sysctr1.Container 2>&1)
like "$o" "'State': <'stopped'>" "GetAll through gdbus"

# --- start and stop (root: real containers)
if is_root; then
        is "$(bcall StartContainer s d1)" "" "StartContainer d1"
        is "$(cprop d1 State)" 's "running"' "d1 is running when StartContainer returns"
        like "$(cprop d1 Leader)" '^u [1-9][0-9]*$' "d1 has a leader"
        ok "PropertiesChanged State=running" wait_for 5 monitor_has "$CPATH/d1: org.freedesktop.DBus.Properties.PropertiesChanged" "'State': <'running'>"
        is "$(bcall StartContainer s d1)" "" "StartContainer of a running container is a no-op"
        like "$(gcall /org/sysctr1 org.sysctr1.Manager.DeleteContainer d1)" 'org\.sysctr1\.Error\.ContainerRunning' \
                "DeleteContainer of a running one: ContainerRunning"
        is "$(bcall StopContainer s d1)" "" "StopContainer d1"
        is "$(cprop d1 State)" 's "stopped"' "d1 is stopped when StopContainer returns"
        is "$(cprop d1 Leader)" 'u 0' "d1: Leader is 0 again"
        ok "PropertiesChanged State=stopped" wait_for 5 monitor_has "$CPATH/d1: org.freedesktop.DBus.Properties.PropertiesChanged" "'State': <'stopped'>"
        is "$(busctl --system call org.sysctr1 "$CPATH/web_2d2" org.sysctr1.Container Start 2>&1)" "" \
                "Container.Start() on web-2"
        is "$(cprop web_2d2 State)" 's "running"' "web-2 is running"
        is "$(bcall StopContainerWithTimeout st web-2 0)" "" "StopContainerWithTimeout web-2 0 (kill at once)"
        is "$(cprop web_2d2 State)" 's "stopped"' "web-2 is stopped"
else
        for t in StartContainer PropertiesChanged StopContainer Container.Start; do skip "$t: needs root"; done
fi
is "$(bcall StopContainer s d1)" "" "StopContainer of a stopped container succeeds"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.KillContainer d1 9)" 'org\.sysctr1\.Error\.ContainerNotRunning' \
        "KillContainer of a stopped one: ContainerNotRunning"

# --- access: an unprivileged caller may read, not change
if is_root; then
        asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ "$@" 2>&1; }
        o=$(asnobody busctl --system call "${M[@]}" ListContainers)
        like "$o" '^a\(ssso\) 2 "d1"' "nobody: ListContainers"
        is "$(asnobody busctl --system call "${M[@]}" GetContainer s d1)" "o \"$CPATH/d1\"" "nobody: GetContainer"
        is "$(asnobody busctl --system get-property org.sysctr1 "$CPATH/d1" org.sysctr1.Container State)" \
                's "stopped"' "nobody: read a property"
        like "$(asnobody gdbus introspect --system --dest org.sysctr1 --object-path /org/sysctr1)" \
                'CreateContainer' "nobody: introspect"
        like "$(asnobody busctl --system call "${M[@]}" ListTemplates)" '"busybox"' "nobody: ListTemplates"
        asgcall() { asnobody gdbus call --system --dest org.sysctr1 --object-path "$1" --method "$2" -- "${@:3}"; }
        denied='org\.freedesktop\.DBus\.Error\.AccessDenied'
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.CreateContainer n1 busybox '@a{sv} {}')" "$denied" \
                "nobody: CreateContainer is AccessDenied"
        for m in StartContainer StopContainer DeleteContainer RestartContainer; do
                like "$(asgcall /org/sysctr1 "org.sysctr1.Manager.$m" d1)" "$denied" "nobody: $m is AccessDenied"
        done
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.KillContainer d1 9)" "$denied" \
                "nobody: KillContainer is AccessDenied"
        for m in Start Stop Delete; do
                like "$(asgcall "$CPATH/d1" "org.sysctr1.Container.$m")" "$denied" "nobody: Container.$m() is AccessDenied"
        done
        is "$(bcall ListContainers | grep -o '"n1"')" "" "nobody's CreateContainer made nothing"
        ok "nobody's DeleteContainer deleted nothing" test -f "$SYSCTR_STATE_DIR/containers/d1/config.yaml"
else
        skip "access checks: need root to call as another user"
fi

# --- delete
is "$(bcall DeleteContainer s d1)" "" "DeleteContainer d1"
ok "ContainerRemoved(d1) is emitted" wait_for 5 monitor_has ContainerRemoved "'d1', objectpath '$CPATH/d1'"
is "$(busctl --system call org.sysctr1 "$CPATH/web_2d2" org.sysctr1.Container Delete 2>&1)" "" "Container.Delete() on web-2"
ok "ContainerRemoved(web-2) is emitted" wait_for 5 monitor_has ContainerRemoved "'web-2', objectpath '$CPATH/web_2d2'"
is "$(bcall ListContainers)" 'a(ssso) 0' "ListContainers: empty again"
o=$(cprop d1 State)
isnt "$o" 's "stopped"' "the deleted container's object is gone"
ok "its state dir is gone" test ! -e "$SYSCTR_STATE_DIR/containers/d1"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.DeleteContainer d1)" 'org\.sysctr1\.Error\.NoSuchContainer' \
        "DeleteContainer again: NoSuchContainer"

kill_wait "$MONITOR" 2
