# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# What the benchmarks share: statistics, the supervisor's memory, cgroups of our own for the other
# managers (nspawn, LXC), an overlay of our own over the image, the booted guest's health. Sourced
# after tests/integration/lib.sh and setup_instance (it uses $T, $CG_NAME, $PYTHON); image_root must
# be set before overlay_mount is called.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a"; exit }
        m = int((NR + 1) / 2); printf "%.3f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
kib_field() { awk -v k="$2:" '$1 == k { s += $2 } END { print s + 0 }' "$1" 2>/dev/null; }
private_kib() { echo $(( $(kib_field "/proc/$1/smaps_rollup" Private_Clean) + \
                         $(kib_field "/proc/$1/smaps_rollup" Private_Dirty) )); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "n/a") print "n/a"; else printf "%.2f", a / b }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v != "n/a" && v + 0 <= g + 0) ? "meets" : "MISSES" }'; }

# --- fs.inotify.max_user_instances: each booted systemd takes about 8 of root's; other work on
# the machine takes some too. Raise it only if fewer than 32 are left, and put it back at exit.
inotify_max=$(cat /proc/sys/fs/inotify/max_user_instances)
inotify_used=$(find /proc/[0-9]*/fd -lname 'anon_inode:inotify' 2>/dev/null | wc -l)
if [ $((inotify_max - inotify_used)) -lt 32 ]; then
        echo $((inotify_used + 256)) > /proc/sys/fs/inotify/max_user_instances
        at_cleanup "echo $inotify_max > /proc/sys/fs/inotify/max_user_instances"
        diag "raised fs.inotify.max_user_instances from $inotify_max ($inotify_used in use) for the run"
fi

# --- cgroups of our own for nspawn and LXC: a directory below the instance's ($CG_NAME, removed by
# the harness at exit) in every hierarchy this shell is in, cgroup2 and each v1 one.
cg_dirs() {             # SUB: the directories of SUB, one per hierarchy
        local id ctrl m
        while IFS=: read -r id ctrl _; do
                if [ "$id" = 0 ]; then
                        m=$(_cg2_mount)
                elif [ "${ctrl#name=}" != "$ctrl" ]; then
                        m=/sys/fs/cgroup/${ctrl#name=}
                else
                        m=/sys/fs/cgroup/${ctrl%%,*}
                        [ -d "$m" ] || m=/sys/fs/cgroup/$ctrl
                fi
                [ -n "$m" ] && [ -d "$m" ] && echo "$m/$CG_NAME/$1"
        done < /proc/self/cgroup
}
cg_enter() {            # SUB: make SUB in every hierarchy and move this (sub)shell there
        local d parent
        for d in $(cg_dirs "$1"); do
                mkdir -p "$d" || return 1
                parent=${d%/*}
                # A new v1 cpuset has no CPUs and takes no process until it is given some.
                if [ -e "$d/cpuset.cpus" ]; then
                        cat "$parent/../cpuset.cpus" > "$parent/cpuset.cpus" 2>/dev/null
                        cat "$parent/../cpuset.mems" > "$parent/cpuset.mems" 2>/dev/null
                        cat "$parent/cpuset.cpus" > "$d/cpuset.cpus"
                        cat "$parent/cpuset.mems" > "$d/cpuset.mems"
                fi
                echo "$BASHPID" > "$d/cgroup.procs" || return 1
        done
}
cg_remove() {           # SUB: kill what is left in it, then remove it (children first)
        local d
        for d in $(cg_dirs "$1"); do
                [ -d "$d" ] || continue
                find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
                wait_for 5 eval "[ -z \"\$(find '$d' -name cgroup.procs -exec cat {} + 2>/dev/null)\" ]"
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
}
cg_memory() {           # SUB: "usage-KiB anon-KiB" of the v1 memory cgroup, or of cgroup2's
        local d
        for d in $(cg_dirs "$1"); do
                if [ -f "$d/memory.usage_in_bytes" ]; then
                        echo "$(($(cat "$d/memory.usage_in_bytes") / 1024))" \
                             "$(($(awk '$1 == "total_rss" || $1 == "total_shmem" { s += $2 } END { print s + 0 }' \
                                   "$d/memory.stat") / 1024))"
                        return
                elif [ -f "$d/memory.current" ]; then
                        echo "$(($(cat "$d/memory.current") / 1024))" \
                             "$(($(awk '$1 == "anon" || $1 == "shmem" { s += $2 } END { print s + 0 }' \
                                   "$d/memory.stat") / 1024))"
                        return
                fi
        done
        echo "n/a n/a"
}

# An overlay of our own over the image: SUB's upper, work and merged directories in $T.
overlay_mount() {       # SUB
        mkdir -p "$T/ov/$1/upper" "$T/ov/$1/work" "$T/ov/$1/merged" &&
                mount -t overlay overlay -o "lowerdir=$image_root,upperdir=$T/ov/$1/upper,workdir=$T/ov/$1/work" \
                        "$T/ov/$1/merged"
}
overlay_umount() {      # SUB
        umount "$T/ov/$1/merged" 2>/dev/null || umount -l "$T/ov/$1/merged"
        rm -rf --one-file-system "$T/ov/$1"
}

# What the booted guest says: "STATE FAILED-UNITS USERSPACE-SECONDS", through nsenter into its
# namespaces (the last from systemd-analyze: the guest's own boot, without the manager's part).
guest_health() {        # LEADER-PID
        local s f u
        s=$(timeout 30 nsenter -t "$1" -a systemctl is-system-running --wait 2>"$T/health.err")
        [ -n "$s" ] || s="($(head -n 1 "$T/health.err"))"
        f=$(timeout 10 nsenter -t "$1" -a systemctl --failed --no-legend --plain 2>/dev/null | grep -c .)
        u=$(timeout 10 nsenter -t "$1" -a systemd-analyze time 2>/dev/null |
                sed -n 's/^Startup finished in \([0-9.]*\)\(m\?s\) (userspace).*/\1 \2/p' |
                awk '{ printf "%.3f", $2 == "ms" ? $1 / 1000 : $1 }')
        echo "$s $f ${u:-n/a}"
}
