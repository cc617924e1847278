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
           'DeleteContainer(in  s name)' 'StartContainer(in  s name,' 'StopContainer(in  s name,' \
           'StopContainerWithTimeout(in  s name,' 'in  t timeout_usec,' 'out o job)' 'RestartContainer(in  s name,' \
           'KillContainer(in  s name,' 'in  i signal)' 'GetContainer(in  s name,' 'GetContainerByPID(in  u pid,' \
           'GetContainerConfig(in  s name,' 'out s yaml)' 'ExecContainer(in  s name,' 'in  as command,' \
           'in  as environment,' 'in  s working_directory,' 'out h stdin,' 'out h stdout,' 'out h stderr,' \
           'out o process)' 'ExecContainerPTY(in  s name,' 'out h pty,' 'out s pty_path,' \
           'OpenContainerShell(in  s name,' 'in  s user,' 'OpenContainerConsole(in  s name,' 'out h console)' \
           'GetContainerLogs(in  s name,' 'out h logs)' 'ListJobs(out a(ussso) jobs)' 'GetJob(in  u id,' \
           'CancelJob(in  u id)' 'BuildImage(in  s template,' 'out s image,' \
           'ListContainers(out a(ssso)' 'ListTemplates(out a(ss)' \
           'ContainerNew(s name,' 'ContainerRemoved(s name,' 'JobNew(u id,' 'JobRemoved(u id,' 's result,' \
           's error_name,' 's error_message)' 'readonly s Version' 'readonly s Mode' \
           'interface org.freedesktop.DBus.ObjectManager' 'GetManagedObjects(out a{oa{sa{sv}}}' \
           'InterfacesAdded(o object_path,' 'InterfacesRemoved(o object_path,' \
           'CreateNetwork(in  s name,' 'out o network)' 'DeleteNetwork(in  s name)' 'GetNetwork(in  s name,' \
           'ListNetworks(out a(ssso) networks)' 'NetworkDoctor(out a(sss) findings)'; do
        ok "gdbus introspect /org/sysctr1: $sig" grep -qF -- "$sig" <<< "$o"
done
unlike "$o" 'arg_[0-9]' "no unnamed arguments"
o=$(busctl --system introspect org.sysctr1 /org/sysctr1 org.sysctr1.Manager 2>&1)
like "$o" '^\.CreateContainer +method +ssa\{sv\} +o ' "busctl introspect: CreateContainer ssa{sv} -> o"
like "$o" '^\.ListContainers +method +- +a\(ssso\) ' "busctl introspect: ListContainers -> a(ssso)"
like "$o" '^\.StartContainer +method +s +o ' "busctl introspect: StartContainer s -> o (a job)"
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
# The first create builds the busybox image: d1 is "creating" until its create job ends; so is
# web-2 if the build still ran when it was created (its JobNew comes before its ContainerNew),
# otherwise it was made at once from the image just built.
ok "d1's create job ends" wait_for 60 monitor_has JobRemoved "'d1', 'done'"
if monitor_has JobNew "'create', 'web-2'"; then
        ok "web-2's create job ends" wait_for 60 monitor_has JobRemoved "'web-2', 'done'"
else
        ok "web-2 was made at once from the image d1's job built" \
                test "$(prop "$CPATH/web_2d2" org.sysctr1.Container State)" = 's "stopped"'
fi
# Both joined the default network: its Containers property says so with PropertiesChanged.
ok "sysctr0's Containers is sent as containers attach" wait_for 5 monitor_has \
        "/org/sysctr1/network/sysctr0: org.freedesktop.DBus.Properties.PropertiesChanged" "{'Containers': <['d1', 'web-2']>}"
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
like "$(cprop d1 Addresses)" '^as 2 "10\.88\.0\.2" "fd[0-9a-f:]+::2"$' "d1: Addresses (on the default network)"
like "$(cprop d1 Networks)" '^as 1 "sysctr0:ip=10\.88\.0\.2,ip6=fd[0-9a-f:]+::2,mac=[0-9a-f:]{17}"$' "d1: Networks"
is "$(cprop d1 Autostart)" 'b false' "d1: Autostart"
is "$(cprop d1 StopSignal)" 's "SIGUSR2"' "d1: StopSignal from the template"
is "$(cprop d1 StopTimeoutUSec)" 't 10000000' "d1: StopTimeoutUSec default"
is "$(cprop web_2d2 Name)" 's "web-2"' "web-2: Name"
is "$(cprop web_2d2 Autostart)" 'b true' "web-2: Autostart from the options"
is "$(cprop web_2d2 StopSignal)" 's "SIGTERM"' "web-2: StopSignal from the options"
is "$(cprop web_2d2 StopTimeoutUSec)" 't 3000000' "web-2: StopTimeoutUSec from the options"
o=$(gdbus introspect --system --dest org.sysctr1 --object-path "$CPATH/d1" 2>&1)
for sig in 'interface org.sysctr1.Container' 'Start(out o job);' 'Stop(out o job);' 'Restart(out o job);' \
           'Kill(in  i signal);' 'Delete();' 'GetConfig(out s yaml);' 'Exec(in  as command,' 'ExecPTY(in  as command,' \
           'OpenShell(in  s user,' 'OpenConsole(out h console);' 'GetLogs(in  a{sv} options,' \
           'readonly s Name' 'readonly s Id' 'readonly s State' 'readonly u Leader' 'readonly as Addresses' \
           'readonly b Autostart' 'readonly t StopTimeoutUSec' 'readonly o Job' 'readonly s Hostname' \
           'readonly as Init' 'readonly as Binds' 'readonly t CreationTimestamp' 'readonly t LastStartTimestamp'; do
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

# --- start and stop (root: real containers): each is a job; JobRemoved says how it ended
job_of() { sed -n 's/^o "\(.*\)"$/\1/p' <<< "$1"; }
job_done() { monitor_has JobRemoved "objectpath '$1', '$2', '$3'"; }      # PATH TARGET RESULT
if is_root; then
        o=$(bcall StartContainer s d1)
        like "$o" '^o "/org/sysctr1/job/[0-9]+"$' "StartContainer d1 returns a job"
        job=$(job_of "$o")
        ok "JobNew announces the start job" wait_for 5 monitor_has JobNew "objectpath '$job', 'start', 'd1'"
        ok "JobRemoved: the start job of d1 is done" wait_for 30 job_done "$job" d1 done
        is "$(cprop d1 State)" 's "running"' "d1 is running once its start job is done"
        like "$(cprop d1 Leader)" '^u [1-9][0-9]*$' "d1 has a leader"
        like "$(cprop d1 LastStartTimestamp)" '^t [1-9][0-9]{15}$' "d1: LastStartTimestamp is set"
        is "$(cprop d1 Job)" 'o "/"' "d1: no job any more"
        ok "PropertiesChanged State=running" wait_for 5 monitor_has "$CPATH/d1: org.freedesktop.DBus.Properties.PropertiesChanged" "'State': <'running'>"
        leader=$(cprop d1 Leader | cut -d' ' -f2)
        is "$(bcall GetContainerByPID u "$leader")" "o \"$CPATH/d1\"" "GetContainerByPID of d1's init"
        like "$(gcall /org/sysctr1 org.sysctr1.Manager.GetContainerByPID $$)" 'org\.sysctr1\.Error\.NoSuchContainer' \
                "GetContainerByPID of a host process: NoSuchContainer"
        o=$(bcall StartContainer s d1)
        job=$(job_of "$o")
        ok "StartContainer of a running container: a job that is done at once" wait_for 5 job_done "$job" d1 done
        like "$(gcall /org/sysctr1 org.sysctr1.Manager.DeleteContainer d1)" 'org\.sysctr1\.Error\.ContainerRunning' \
                "DeleteContainer of a running one: ContainerRunning"
        job=$(job_of "$(bcall StopContainer s d1)")
        ok "JobRemoved: the stop job of d1 is done" wait_for 30 job_done "$job" d1 done
        is "$(cprop d1 State)" 's "stopped"' "d1 is stopped once its stop job is done"
        is "$(cprop d1 Leader)" 'u 0' "d1: Leader is 0 again"
        ok "PropertiesChanged State=stopped" wait_for 5 monitor_has "$CPATH/d1: org.freedesktop.DBus.Properties.PropertiesChanged" "'State': <'stopped'>"
        job=$(job_of "$(busctl --system call org.sysctr1 "$CPATH/web_2d2" org.sysctr1.Container Start 2>&1)")
        ok "Container.Start() on web-2: its job is done" wait_for 30 job_done "$job" web-2 done
        is "$(cprop web_2d2 State)" 's "running"' "web-2 is running"
        job=$(job_of "$(bcall RestartContainer s web-2)")
        ok "RestartContainer web-2: its job is done" wait_for 30 job_done "$job" web-2 done
        is "$(cprop web_2d2 State)" 's "running"' "web-2 is running again"
        job=$(job_of "$(bcall StopContainerWithTimeout st web-2 0)")
        ok "StopContainerWithTimeout web-2 0 (kill at once): done" wait_for 30 job_done "$job" web-2 done
        is "$(cprop web_2d2 State)" 's "stopped"' "web-2 is stopped"
else
        for t in StartContainer PropertiesChanged StopContainer Container.Start; do skip "$t: needs root"; done
fi
job=$(job_of "$(bcall StopContainer s d1)")
ok "StopContainer of a stopped container: a job that is done at once" wait_for 5 job_done "$job" d1 done
like "$(gcall /org/sysctr1 org.sysctr1.Manager.KillContainer d1 9)" 'org\.sysctr1\.Error\.ContainerNotRunning' \
        "KillContainer of a stopped one: ContainerNotRunning"
is "$(bcall ListJobs)" 'a(ussso) 0' "ListJobs: nothing runs now"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.GetJob 999)" 'org\.sysctr1\.Error\.NoSuchJob' "GetJob of a job that is gone: NoSuchJob"

# --- the settings as properties, and the config as stored
is "$(cprop d1 Hostname)" 's "d1"' "d1: Hostname defaults to the name"
is "$(cprop d1 Init)" 'as 1 "/sbin/init"' "d1: Init"
is "$(cprop d1 Binds)" 'as 0' "d1: Binds"
like "$(cprop d1 CreationTimestamp)" '^t [1-9][0-9]{15}$' "d1: CreationTimestamp"
o=$(gdbus call --system --dest org.sysctr1 --object-path /org/sysctr1 --method org.sysctr1.Manager.GetContainerConfig d1 2>&1)
like "$o" "^\\('# sysctr container configuration" "GetContainerConfig: the YAML as stored"
# (An id that starts with a digit is quoted, so that YAML cannot read it as a number.)
like "$o" "name: d1\\\\nid: \"?$(config_field d1 id)\"?\\\\n" "... with its name and id"
like "$(busctl --system call org.sysctr1 "$CPATH/d1" org.sysctr1.Container GetConfig)" '^s "# sysctr container' \
        "Container.GetConfig()"

# --- the object manager: every container, with its properties
o=$(gdbus call --system --dest org.sysctr1 --object-path /org/sysctr1 \
        --method org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>&1)
like "$o" "(objectpath )?'$CPATH/d1': " "GetManagedObjects: d1"
like "$o" "'org.sysctr1.Container': \\{'Name': <'d1'>, 'Id': <'$(config_field d1 id)'>" "... with its properties"
like "$o" "'$CPATH/web_2d2': .*'org.sysctr1.Container': \\{'Name': <'web-2'>" "GetManagedObjects: web-2"
o=$(grep -F "org.freedesktop.DBus.ObjectManager.InterfacesAdded (objectpath '$CPATH/d1'" "$T/monitor.log")
like "$o" "'org.sysctr1.Container': \\{'Name': <'d1'>" "InterfacesAdded fired for d1 on create, with its properties"

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
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.ExecContainer d1 "['true']" '@as []' '' '@a{sv} {}')" \
                "$denied" "nobody: ExecContainer is AccessDenied"
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.ExecContainerPTY d1 "['true']" '@as []' '' '@a{sv} {}')" \
                "$denied" "nobody: ExecContainerPTY is AccessDenied"
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.OpenContainerShell d1 '' '@as []' '@a{sv} {}')" \
                "$denied" "nobody: OpenContainerShell is AccessDenied"
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.OpenContainerConsole d1)" "$denied" \
                "nobody: OpenContainerConsole is AccessDenied"
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.GetContainerLogs d1 '@a{sv} {}')" "$denied" \
                "nobody: GetContainerLogs is AccessDenied"
        like "$(asgcall /org/sysctr1 org.freedesktop.DBus.ObjectManager.GetManagedObjects)" "'$CPATH/d1'" \
                "nobody: GetManagedObjects"
        like "$(asgcall /org/sysctr1 org.sysctr1.Manager.GetContainerConfig d1)" "name: d1" \
                "nobody: GetContainerConfig"
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
ok "InterfacesRemoved(d1) is emitted" wait_for 5 monitor_has "org.freedesktop.DBus.ObjectManager.InterfacesRemoved" \
        "objectpath '$CPATH/d1', ["
is "$(busctl --system call org.sysctr1 "$CPATH/web_2d2" org.sysctr1.Container Delete 2>&1)" "" "Container.Delete() on web-2"
ok "ContainerRemoved(web-2) is emitted" wait_for 5 monitor_has ContainerRemoved "'web-2', objectpath '$CPATH/web_2d2'"
is "$(bcall ListContainers)" 'a(ssso) 0' "ListContainers: empty again"
# Sent once the deleted container is gone from the manager's table, so it is not in the list.
ok "sysctr0's Containers is sent empty once both are deleted" wait_for 5 monitor_has \
        "/org/sysctr1/network/sysctr0: org.freedesktop.DBus.Properties.PropertiesChanged" "{'Containers': <@as []>}"
o=$(cprop d1 State)
isnt "$o" 's "stopped"' "the deleted container's object is gone"
ok "its state dir is gone" test ! -e "$SYSCTR_STATE_DIR/containers/d1"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.DeleteContainer d1)" 'org\.sysctr1\.Error\.NoSuchContainer' \
        "DeleteContainer again: NoSuchContainer"

# --- networks
NPATH=/org/sysctr1/network
is "$(bcall ListNetworks)" "a(ssso) 1 \"sysctr0\" \"bridge\" \"10.88.0.0/24\" \"$NPATH/sysctr0\"" \
        "ListNetworks: the default network"
is "$(bcall GetNetwork s sysctr0)" "o \"$NPATH/sysctr0\"" "GetNetwork sysctr0"
is "$(prop "$NPATH/sysctr0" org.sysctr1.Network Subnet)" 's "10.88.0.0/24"' "Network.Subnet"
like "$(prop "$NPATH/sysctr0" org.sysctr1.Network Subnet6)" '^s "fd[0-9a-f:]+::/64"$' "Network.Subnet6: a ULA /64"
is "$(prop "$NPATH/sysctr0" org.sysctr1.Network NAT)" 'b true' "Network.NAT"
o=$(gdbus introspect --system --dest org.sysctr1 --object-path "$NPATH/sysctr0" 2>&1)
for sig in 'interface org.sysctr1.Network' 'readonly s Name' 'readonly s Type' 'readonly s Bridge' \
           'readonly s Gateway' 'readonly s Gateway6' 'readonly b DNS' 'readonly s Domain' 'readonly u MTU' \
           'readonly s Parent' 'readonly s MacvlanMode' 'readonly b HostAccess' 'readonly as Containers' \
           'readonly s Problem' 'readonly u VNI' 'readonly s Local' 'readonly as Peers' 'readonly s PoolStart' \
           'readonly s PoolEnd'; do
        ok "gdbus introspect sysctr0: $sig" grep -qF -- "$sig" <<< "$o"
done
o=$(busctl --system introspect org.sysctr1 "$NPATH/sysctr0" org.sysctr1.Network 2>&1)
like "$o" '^\.Containers +property +as .* emits-change' "busctl introspect sysctr0: Containers emits PropertiesChanged"
like "$o" '^\.Problem +property +s .* emits-change' "busctl introspect sysctr0: Problem emits PropertiesChanged"
o=$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork lan0 "{'subnet': <'10.77.0.0/24'>, 'subnet6': <'none'>, 'nat': <true>}")
if is_root; then
        is "$o" "(objectpath '$NPATH/lan0',)" "CreateNetwork lan0"
        ok "InterfacesAdded(lan0)" wait_for 5 monitor_has "org.freedesktop.DBus.ObjectManager.InterfacesAdded" \
                "(objectpath '$NPATH/lan0', "
        like "$(grep -F "InterfacesAdded (objectpath '$NPATH/lan0'" "$T/monitor.log")" \
                "'org.sysctr1.Network': \\{'Name': <'lan0'>" "...with its properties"
        like "$(busctl --system call org.sysctr1 /org/sysctr1 org.freedesktop.DBus.ObjectManager GetManagedObjects 2>&1)" \
                "\"$NPATH/lan0\" [0-9]+ .*\"org.sysctr1.Network\" [0-9]+ \"Name\" s \"lan0\"" "GetManagedObjects has lan0"
        is "$(prop "$NPATH/lan0" org.sysctr1.Network Subnet6)" 's ""' "lan0 without IPv6, as asked"
        like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork lan0 '{}')" 'org\.sysctr1\.Error\.NetworkExists' \
                "CreateNetwork lan0 again: NetworkExists"
        is "$(bcall DeleteNetwork s lan0)" "" "DeleteNetwork lan0"
        ok "InterfacesRemoved(lan0)" wait_for 5 monitor_has "org.freedesktop.DBus.ObjectManager.InterfacesRemoved" \
                "(objectpath '$NPATH/lan0', ["
else
        # A daemon of a normal user cannot make bridges: the call fails and leaves nothing.
        like "$o" 'Failed to set up network "lan0"' "CreateNetwork without the rights for a bridge: a clear error"
fi
is "$(bcall ListNetworks | cut -d' ' -f1-2)" "a(ssso) 1" "...and only the default network is left"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork lan0 "{'subnet': <'10.77.0.1/24'>}")" \
        'InvalidArgs.*Invalid IPv4 subnet "10\.77\.0\.1/24": host bits are set' "CreateNetwork with a bad subnet: InvalidArgs"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork lan0 "{'colour': <'blue'>}")" \
        'InvalidArgs.*Unknown option "colour"' "CreateNetwork with an unknown option: InvalidArgs"
# vxlan: the options, checked before anything is made; then one made on loopback addresses of the
# instance's own namespace (its VXLAN socket binds there; no peer answers, none is needed).
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork ov0 "{'type': <'vxlan'>, 'subnet': <'10.78.0.0/24'>}")" \
        'InvalidArgs.*A vxlan network needs peers' "CreateNetwork vxlan without peers: InvalidArgs"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork ov0 "{'type': <'vxlan'>, 'peers': <['127.0.0.2']>}")" \
        'InvalidArgs.*needs its IPv4 subnet given' "CreateNetwork vxlan without a subnet: InvalidArgs"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork ov0 "{'type': <'vxlan'>, 'peers': <['127.0.0.2', 'fd00::2']>, 'subnet': <'10.78.0.0/24'>}")" \
        'InvalidArgs.*Invalid value "fd00::2" for "peers": peers are all IPv4 or all IPv6' "peers of two families: InvalidArgs"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork ov0 "{'type': <'vxlan'>, 'peers': <[1, 2]>}")" \
        "InvalidArgs.*Option \"peers\" cannot be of type 'ai'" "peers of the wrong type: InvalidArgs"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork ov0 "{'type': <'vxlan'>, 'vni': <uint32 16777216>, 'peers': <['127.0.0.2']>, 'subnet': <'10.78.0.0/24'>}")" \
        'InvalidArgs.*Invalid VNI 16777216' "a VNI out of range: InvalidArgs"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork ov0 "{'peers': <['127.0.0.2']>}")" \
        'InvalidArgs.*vni, local and peers are for vxlan networks' "peers on a bridge network: InvalidArgs"
if is_root; then
        o=$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork ov0 "{'type': <'vxlan'>, 'subnet': <'10.78.0.0/24'>, 'local': <'127.0.0.1'>, 'peers': <['127.0.0.2']>, 'vni': <uint32 4711>}")
        is "$o" "(objectpath '$NPATH/ov0',)" "CreateNetwork ov0 (vxlan)"
        is "$(prop "$NPATH/ov0" org.sysctr1.Network Type)" 's "vxlan"' "...its Type"
        is "$(prop "$NPATH/ov0" org.sysctr1.Network VNI)" 'u 4711' "...its VNI"
        is "$(prop "$NPATH/ov0" org.sysctr1.Network Peers)" 'as 1 "127.0.0.2"' "...its Peers"
        is "$(prop "$NPATH/ov0" org.sysctr1.Network PoolStart) $(prop "$NPATH/ov0" org.sysctr1.Network PoolEnd)" \
                's "10.78.0.1" s "10.78.0.127"' "...its share of the subnet (127.0.0.1 sorts before its peer)"
        is "$(prop "$NPATH/ov0" org.sysctr1.Network Problem)" 's ""' "...and no problem"
        is "$(bcall DeleteNetwork s ov0)" "" "DeleteNetwork ov0"
fi
like "$(gcall /org/sysctr1 org.sysctr1.Manager.CreateNetwork host '{}')" 'org\.sysctr1\.Error\.InvalidName' \
        "CreateNetwork host: InvalidName"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.GetNetwork nosuch)" 'org\.sysctr1\.Error\.NoSuchNetwork' \
        "GetNetwork nosuch: NoSuchNetwork"
like "$(gcall /org/sysctr1 org.sysctr1.Manager.DeleteNetwork nosuch)" 'org\.sysctr1\.Error\.NoSuchNetwork' \
        "DeleteNetwork nosuch: NoSuchNetwork"
if is_root; then
        like "$(bcall NetworkDoctor)" '^a\(sss\) [0-9]+' "NetworkDoctor answers"
        like "$(asnobody gdbus call --system --dest org.sysctr1 --object-path /org/sysctr1 \
                --method org.sysctr1.Manager.CreateNetwork lan5 '{}')" "$denied" "nobody: CreateNetwork is AccessDenied"
        like "$(asnobody gdbus call --system --dest org.sysctr1 --object-path /org/sysctr1 \
                --method org.sysctr1.Manager.DeleteNetwork sysctr0)" "$denied" "nobody: DeleteNetwork is AccessDenied"
        like "$(asnobody busctl --system call "${M[@]}" ListNetworks)" '^a\(ssso\) 1 "sysctr0"' "nobody: ListNetworks"
else
        # Reading another table's chains takes CAP_NET_ADMIN.
        like "$(gcall /org/sysctr1 org.sysctr1.Manager.NetworkDoctor)" "Failed to examine the host.s firewall" \
                "NetworkDoctor without the rights: a clear error"
fi

kill_wait "$MONITOR" 2
