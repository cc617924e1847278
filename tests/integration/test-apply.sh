#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# "sysctr apply FILE" against one host (busybox containers): a bad file is refused with file:line
# before anything changes; --dry-run prints the plan and changes nothing; apply creates (and starts
# autostart containers); a second apply has nothing to do and makes no D-Bus call that changes
# anything (watched with dbus-monitor); a memory limit changes live on a running container; a change
# that needs a restart says so; a template change is a conflict and nothing happens; --prune deletes
# what the file no longer names (with --yes off a terminal); a failure midway says what was done and
# what not, and the next run converges; networks and volumes on a sysctrd without them get a clear
# message (with them, they are created, before the containers that use them).
. "$(dirname "$0")/lib.sh"
require_root
setup_instance

F=$T/fleet.yaml
# The memory limit in force on a running container's cgroup (bytes), as test-settings.sh reads it.
memory_limit() {
        local cg2 v
        cg2=$(_cg2_mount)
        if [ -n "$cg2" ] && [ -f "$(unit_cgroup "$1")/memory.max" ]; then
                cat "$(unit_cgroup "$1")/memory.max"
        else
                v=$(cat "/sys/fs/cgroup/memory/$CG_NAME/sysctr@$1.service/memory.limit_in_bytes" 2>/dev/null)
                echo "${v:-none}"
        fi
}
exists() { sysctr list --json | json_query 'field(find(j, argv[0]), "name")' "$1" | grep -qx "$1"; }
prop() { sysctr info "$1" --json | json_query 'field(j, argv[0])' "$2"; }

# --- monitor: the method calls to org.sysctr1 during a command, those that change something
MON_PID=
monitor_start() {
        : > "$T/monitor.log"
        dbus-monitor --system "type='method_call',destination='org.sysctr1'" > "$T/monitor.log" 2>&1 &
        MON_PID=$!
        # Ready once it sees a call of our own.
        wait_for 10 eval 'busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager ListTemplates \
                >/dev/null && grep -q "member=ListTemplates" "$T/monitor.log"' || diag "dbus-monitor did not start"
}
monitor_stop() {
        kill_wait "$MON_PID" 2
        wait "$MON_PID" 2>/dev/null
        MON_PID=
}
# Members of the calls seen, one a line, without the read-only ones (docs/dbus-api.md, "Access").
mutating_calls() {
        sed -n 's/^method call .*member=\([A-Za-z]*\).*/\1/p' "$T/monitor.log" |
                grep -Evx 'List[A-Za-z]*|Get[A-Za-z]*|Introspect|Ping' | sort | uniq -c
}
at_cleanup 'kill_wait "$MON_PID" 2'

# --- a bad file: file:line, nothing changed
cat > "$F" <<'EOF'
containers:
  - name: web1
    template: busybox
    memroy: 64M
EOF
run sysctr apply "$F"
isnt "$rc" 0 "a misspelled key is refused"
is "$err" "sysctr: $F:4: Unknown key \"memroy\"" "the message names file, line and key"
cat > "$F" <<'EOF'
containers:
  - name: web1
    template: busybox
    networks: [lan0]
EOF
run sysctr apply "$F"
like "$err" "^sysctr: $F:2: Container \"web1\" uses network \"lan0\", which the file does not declare" \
        "a dangling network is refused"
is "$(sysctr list --json | json_query 'len(containers(j))')" 0 "nothing was created"

# --- dry run, then apply from scratch
cat > "$F" <<'EOF'
# two containers; web1 runs (autostart), db1 is only created
containers:
  - name: web1
    template: busybox
    memory: 64M
    autostart: true
  - name: db1
    template: busybox
    pids: 100
EOF
monitor_start
run sysctr apply --dry-run "$F"
monitor_stop
is "$rc" 0 "--dry-run succeeds"
like "$out" "^  \+ container web1 \(template busybox, started\)$" "the plan creates web1 and starts it"
like "$out" "^  \+ container db1 \(template busybox\)$" "the plan creates db1"
like "$out" "^2 to create, 0 to change, 0 to move, 0 to delete\.$" "the plan's summary"
is "$(mutating_calls)" "" "--dry-run makes no call that changes anything"
ok "--dry-run created nothing" eval '! exists web1'

run sysctr apply "$F"
is "$rc" 0 "apply from scratch" || diag "$err"
like "$out" "Done: create container db1" "reports what it did"
ok "web1 exists" exists web1
ok "db1 exists" exists db1
is "$(container_state web1)" running "web1 (autostart) was started"
is "$(container_state db1)" stopped "db1 was only created"
is "$(config_field web1 memory)" 64M "web1's memory limit in its config.yaml"
is "$(memory_limit web1)" 67108864 "web1 runs with the limit on its cgroup"

# --- idempotent: nothing to do, and not a single call that changes anything
monitor_start
s0=$(now_s)
run sysctr apply "$F"
dt=$(elapsed_s "$s0")
monitor_stop
is "$rc" 0 "second apply succeeds"
is "$out" "Nothing to do: $F is applied." "second apply: nothing to do"
is "$(mutating_calls)" "" "second apply: no call that changes anything"
like "$(grep -c 'member=GetContainerConfig' "$T/monitor.log")" "^2$" "it read the two configs"
diag "no-op apply of 2 containers: ${dt}s"

# --- changes: a live limit, a restart, a conflict
sed -i 's/memory: 64M/memory: 128M\n    hostname: www/' "$F"
run sysctr apply --dry-run "$F"
like "$out" "^      memory: 64M -> 128M \(live\)$" "memory: live, old and new value"
like "$out" "^      hostname: web1 -> www \(needs a restart\)$" "hostname of a running container: needs a restart"
monitor_start
run sysctr apply "$F"
monitor_stop
is "$rc" 0 "apply the changes" || diag "$err"
is "$(mutating_calls | awk '{ print $1, $2 }')" "1 SetContainer" "one SetContainer call, nothing else"
is "$(prop web1 MemoryMax)" 134217728 "web1's MemoryMax is 128M"
is "$(memory_limit web1)" 134217728 "... and so is the limit on its cgroup"
is "$(container_state web1)" running "web1 still runs (the limit changed live)"
is "$(config_field web1 hostname)" www "hostname recorded for the next start"
run sysctr apply "$F"
is "$out" "Nothing to do: $F is applied." "applied: nothing to do again"

sed -i 's/template: busybox/template: debian/' "$F"
run sysctr apply "$F"
isnt "$rc" 0 "a template change is refused"
like "$out" "^  ! container web1: container web1: template cannot change in place" "the plan names the conflict"
like "$err" "The plan has conflicts: nothing was changed" "and says nothing was changed"
is "$(prop web1 Template)" busybox "web1 is untouched"
sed -i 's/template: debian/template: busybox/' "$F"

# --- prune
cat > "$F.small" <<'EOF'
containers:
  - {name: web1, template: busybox, memory: 128M, hostname: www, autostart: true}
EOF
run sysctr apply "$F.small"
is "$out" "Nothing to do: $F.small is applied." "without --prune, what the file does not name stays"
run sysctr apply --prune "$F.small" </dev/null
isnt "$rc" 0 "--prune off a terminal without --yes is refused"
like "$err" "The plan deletes 1 object" "it says why"
ok "db1 is still there" exists db1
run sysctr apply --prune --yes "$F.small"
is "$rc" 0 "--prune --yes" || diag "$err"
like "$out" "^  - container db1$" "the plan deletes db1"
ok "db1 is gone" eval '! exists db1'
ok "web1 stays" exists web1

# --- a failure midway, then convergence
cat > "$F" <<'EOF'
containers:
  - {name: web1, template: busybox, memory: 128M, hostname: www, autostart: true}
  - {name: c1, template: busybox}
  - {name: c2, template: nosuchtemplate}
  - {name: c3, template: busybox}
EOF
run sysctr apply "$F"
isnt "$rc" 0 "an apply that fails midway fails"
like "$err" "nosuchtemplate" "the error of the failed step is shown"
like "$out" "Done:
  \+ container c1" "what was done"
like "$out" "Failed:
  \+ container c2" "what failed"
like "$out" "Not done:
  \+ container c3" "what was not done"
ok "c1 was created" exists c1
ok "c3 was not" eval '! exists c3'
sed -i 's/nosuchtemplate/busybox/' "$F"
run sysctr apply "$F"
is "$rc" 0 "the next run goes on" || diag "$err"
unlike "$out" "container c1" "c1 is not created again"
like "$out" "Done: create container c3" "c3 is created"
run sysctr apply "$F"
is "$out" "Nothing to do: $F is applied." "converged"

# --- networks and volumes: through the network and storage work's methods
cat > "$F.net" <<'EOF'
networks:
  - {name: lan0, type: bridge, subnet: 10.251.0.0/24}
EOF
if busctl --system introspect org.sysctr1 /org/sysctr1 org.sysctr1.Manager 2>/dev/null | grep -q '^\.CreateNetwork '; then
        run sysctr apply "$F.net"
        is "$rc" 0 "a network is created" || diag "$err"
        run sysctr apply "$F.net"
        is "$out" "Nothing to do: $F.net is applied." "and is there the second time"
        sysctr network delete lan0 >/dev/null 2>&1
else
        run sysctr apply "$F.net"
        isnt "$rc" 0 "a network on a sysctrd without networks fails"
        is "$err" "sysctr: The sysctrd of this host has no networks: it does not know the method CreateNetwork of org.sysctr1.Manager." \
                "with a message that says so"
fi
cat > "$F.vol" <<'EOF'
volumes:
  - {name: data9, size: 16M}
containers:
  - {name: v1, template: busybox, volumes: ["data9:/data"]}
EOF
if busctl --system introspect org.sysctr1 /org/sysctr1 org.sysctr1.Manager 2>/dev/null | grep -q '^\.CreateVolume '; then
        run sysctr apply "$F.vol"
        is "$rc" 0 "a volume and a container that uses it are created" || diag "$err"
        like "$out" "Done: create volume data9
Done: create container v1" "... the volume first"
        run sysctr apply "$F.vol"
        is "$out" "Nothing to do: $F.vol is applied." "... and are there the second time"

        # Networks, published ports and mounts of a running container: the plan says it is stopped
        # and started again for what changes only while stopped; the ports change live.
        cat > "$F.att" <<'EOF'
networks:
  - {name: lan9, type: bridge, subnet: 10.252.0.0/24}
volumes:
  - {name: data9, size: 16M}
containers:
  - name: v1
    template: busybox
    networks: [lan9]
    publish: ["18080:80"]
    volumes: ["data9:/data"]
    tmpfs: ["/scratch:size=8M"]
EOF
        sysctr start v1 >/dev/null 2>&1
        run sysctr apply --dry-run "$F.att"
        like "$out" "networks: \[sysctr0\] -> \[lan9\] \(stopped and started again\)" \
                "the plan: the networks of a running container change with a stop and a start"
        like "$out" "publish: none -> \[18080:80\] \(live\)" "... the published ports live"
        like "$out" "tmpfs: none -> \[/scratch:size=8M\] \(stopped and started again\)" "... the tmpfs mounts"
        run sysctr apply "$F.att"
        is "$rc" 0 "the networks, ports and mounts are applied" || diag "$err"
        like "$(sysctr info v1)" "State: *running" "v1 runs again afterwards"
        like "$(sysctr config show v1)" "name: lan9" "v1 is on lan9"
        like "$(sysctr config show v1)" "18080:80" "v1 publishes 18080"
        like "$(sysctr exec v1 -- cat /proc/mounts 2>&1)" " /scratch tmpfs " "v1 has its tmpfs mount"
        like "$(sysctr exec v1 -- ip -4 addr show eth0 2>&1)" "inet 10\.252\.0\." "v1's eth0 has an address of lan9"
        run sysctr apply "$F.att"
        is "$out" "Nothing to do: $F.att is applied." "... and a second apply has nothing to do"
        sysctr delete --force v1 >/dev/null 2>&1
        sysctr network delete lan9 >/dev/null 2>&1
        sysctr volume delete data9 >/dev/null 2>&1
else
        run sysctr apply "$F.vol"
        isnt "$rc" 0 "a volume on a sysctrd without volumes fails"
        is "$err" "sysctr: The sysctrd of this host has no volumes: it does not know the method CreateVolume of org.sysctr1.Manager." \
                "with a message that says so"
fi
