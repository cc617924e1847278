#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Data safety: sysctrd killed (SIGKILL, through the test-only SYSCTR_TEST_CRASH_AT hook) at every
# step of create, delete, snapshot, restore, snapshot delete, clone, export, import and volume create
# leaves the old state or the new, never a mix; the name is usable again; the next sysctrd reports
# what it cleaned up or finished; running containers never notice. And a long job (an import reading
# a pipe) can be canceled, leaving nothing.
. "$(dirname "$0")/lib.sh"
require_root
setup_instance
cdir="$SYSCTR_STATE_DIR/containers"

# crash POINT CMD...: run CMD against a sysctrd that kills itself at POINT; then a fresh sysctrd.
crash() {
        local point=$1 lines
        shift
        stop_sysctrd
        SYSCTR_TEST_CRASH_AT=$point start_sysctrd
        run "$@"
        isnt "$rc" 0 "[$point] $1 $2 fails: sysctrd was killed"
        wait_for 10 pid_dead "$SYSCTRD_PID"
        ok "[$point] sysctrd died there" grep -q "SYSCTR_TEST_CRASH_AT=$point" "$T/sysctrd.log"
        wait "$SYSCTRD_PID" 2>/dev/null
        lines=$(wc -l < "$T/sysctrd.log")
        start_sysctrd
        restart_log=$(tail -n +"$((lines + 1))" "$T/sysctrd.log")
}
no_leftovers() { ! find "$SYSCTR_STATE_DIR" -maxdepth 2 -name '.#*' | grep -q .; }

# A running container that must not notice any of it.
run sysctr create busybox bystander
run sysctr start bystander
leader=$(leader_of bystander)

# --- create
crash create-before-rename sysctr create busybox k1
like "$restart_log" 'Removed leftover .*\.#new-k1' "the next sysctrd removes the half-made container, and says so"
ok "k1 does not exist" test ! -e "$cdir/k1"
run sysctr create busybox k1
is "$rc" 0 "the name k1 is usable again" || diag "$err"
crash create-renamed sysctr create busybox k2
ok "k2 exists whole (the rename was the commit)" test -f "$cdir/k2/config.yaml"
run sysctr start k2
is "$rc" 0 "... and starts" || diag "$err"
run sysctr stop k2

# --- delete
crash delete-renamed sysctr delete k2
like "$restart_log" 'Removed leftover .*\.#deleted-k2' "an interrupted delete is finished at the next start"
run sysctr list --json
is "$(printf '%s' "$out" | json_query 'field(find(j, "k2"), "name")')" "" "k2 is gone"
run sysctr create busybox k2
is "$rc" 0 "the name k2 is usable again"

# --- snapshot
run sysctr start k1
guest_sh k1 'echo a > /root/A'
run sysctr stop k1
crash snapshot-journal sysctr snapshot create k1 s1
like "$restart_log" 'finished an interrupted snapshot of snapshot s1' "the next sysctrd says it dealt with the snapshot"
ok "no journal is left" test ! -e "$cdir/k1/journal"
run sysctr snapshot list k1 --json
is "$out" "[]" "before the exchange: the snapshot was undone"
for point in snapshot-exchanged snapshot-recorded snapshot-lower; do
        run sysctr snapshot delete k1 s1
        crash $point sysctr snapshot create k1 s1
        like "$restart_log" 'finished an interrupted snapshot' "[$point] reported"
        run sysctr snapshot list k1 --json
        is "$(printf '%s' "$out" | json_query '[x["name"] for x in j]')" s1 "[$point] after the exchange: the snapshot was finished"
        ok "[$point] no journal, no temporary" eval '[ ! -e "$cdir/k1/journal" ] && no_leftovers'
        run sysctr start k1
        guest_sh k1 'cat /root/A'
        is "$out" a "[$point] k1 still has its file"
        run sysctr stop k1
done

# --- restore
run sysctr start k1
guest_sh k1 'echo b > /root/B'
run sysctr stop k1
for point in restore-journal restore-lower; do
        crash $point sysctr snapshot restore k1 s1
        like "$restart_log" 'finished an interrupted restore' "[$point] reported"
        run sysctr start k1
        guest_sh k1 'ls /root'
        is "$out" "A
B" "[$point] before the commit: nothing was restored"
        run sysctr stop k1
        ok "[$point] no journal, no temporary" eval '[ ! -e "$cdir/k1/journal" ] && no_leftovers'
done
for point in restore-committed restore-exchanged; do
        run sysctr start k1
        guest_sh k1 'echo b > /root/B'
        run sysctr stop k1
        crash $point sysctr snapshot restore k1 s1
        like "$restart_log" 'finished an interrupted restore' "[$point] reported"
        run sysctr start k1
        guest_sh k1 'ls /root'
        is "$out" A "[$point] after the commit: the restore was finished"
        run sysctr stop k1
        ok "[$point] no journal, no temporary" eval '[ ! -e "$cdir/k1/journal" ] && no_leftovers'
done
run sysctr snapshot create k1 s2
crash snapshot-deleted sysctr snapshot delete k1 s2
run sysctr snapshot list k1 --json
is "$(printf '%s' "$out" | json_query '[x["name"] for x in j]')" s1 "[snapshot-deleted] the snapshot is gone, the others stay"

# --- clone (the copy is a worker's: it dies with sysctrd)
for point in clone-copied new-container-rename; do
        crash $point sysctr clone k1 kc
        like "$restart_log" 'Removed leftover .*\.#new-kc' "[$point] the half-made clone is removed, and that is said"
        ok "[$point] kc does not exist" test ! -e "$cdir/kc"
        ok "[$point] no worker is left" eval '! pgrep -f "sysctrd.*$T" >/dev/null || [ "$(pgrep -c -P "$SYSCTRD_PID")" = 0 ]'
done
run sysctr clone k1 kc
is "$rc" 0 "the clone works afterwards" || diag "$err"

# --- import
run sysctr volume create kvol
run sysctr set kc volume=kvol:/data
run sysctr export kc "$T/kc.tar.zst" --volumes
is "$rc" 0 "export kc with its volume" || diag "$err"
# An export killed before its digest: the archive is refused as incomplete, the container is unchanged.
crash export-written sysctr export kc "$T/cut.tar.zst"
run sysctr import "$T/cut.tar.zst" kcut
isnt "$rc" 0 "[export-written] the cut archive is refused by import"
ok "[export-written] ... and leaves nothing" eval '[ ! -e "$cdir/kcut" ] && no_leftovers'
run sysctr start kc
is "$rc" 0 "[export-written] the exported container is unchanged and starts" || diag "$err"
run sysctr stop kc
run sysctr delete kc
run sysctr volume delete kvol
for point in import-extracted import-shifted import-before-rename; do
        crash $point sysctr import "$T/kc.tar.zst"
        like "$restart_log" 'Removed (leftover .*\.#import|volume kvol, left by an interrupted import)' "[$point] what the import left is removed, and that is said"
        ok "[$point] no container kc, no volume kvol, no temporary" eval \
                '[ ! -e "$cdir/kc" ] && [ ! -e "$SYSCTR_STATE_DIR/volumes/kvol" ] && no_leftovers'
done
run sysctr import "$T/kc.tar.zst"
is "$rc" 0 "the import works afterwards" || diag "$err"
ok "... with its volume" test -d "$SYSCTR_STATE_DIR/volumes/kvol/data"

# --- volume create
crash volume-before-rename sysctr volume create v2
like "$restart_log" 'Removed leftover .*\.#new-v2' "[volume-before-rename] the half-made volume is removed"
run sysctr volume create v2
is "$rc" 0 "the name v2 is usable again"

# --- the bystander ran through all of it
is "$(container_state bystander)" running "the running container is still running"
is "$(leader_of bystander)" "$leader" "... with the same init"

# --- cancel a long job: an import that reads a pipe which never ends
mkfifo "$T/fifo"
exec {writer}<>"$T/fifo"
# Less than a pipe holds (64 KiB): the write must not wait for the reader.
head -c 60000 "$T/kc.tar.zst" >&"$writer"
timeout 60 "$top_builddir/sysctr" import "$T/fifo" slow >"$T/slow.out" 2>&1 &
client=$!
ok "the import job is running" wait_for 10 eval 'sysctr list --json >/dev/null; busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager ListJobs | grep -q import'
job=$(busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager ListJobs | grep -o '"import" "slow" "running"' >/dev/null && \
      busctl --system --json=short call org.sysctr1 /org/sysctr1 org.sysctr1.Manager ListJobs | json_query '[x[0] for x in j["data"][0] if x[1] == "import"][0]')
run busctl --system call org.sysctr1 /org/sysctr1 org.sysctr1.Manager CancelJob u "$job"
is "$rc" 0 "CancelJob of the import" || diag "$err"
wait "$client"
isnt "$?" 0 "the client's import fails"
like "$(cat "$T/slow.out")" 'canceled' "... as canceled"
exec {writer}>&-
ok "nothing of it is left" eval '[ ! -e "$cdir/slow" ] && no_leftovers'

# --- an export whose reader stalls: a running job with its progress, then canceled
run sysctr stop kc
head -c 4M /dev/urandom > "$cdir/kc/upper/blob" && chown "$(config_field kc id-base):$(config_field kc id-base)" "$cdir/kc/upper/blob"
mkfifo "$T/efifo"
exec {reader}<>"$T/efifo"
timeout 60 "$top_builddir/sysctr" export kc - >"$T/efifo" 2>"$T/export.out" &
client=$!
job_of() {              # TYPE: the object path of the running job of that type
        busctl --system --json=short call org.sysctr1 /org/sysctr1 org.sysctr1.Manager ListJobs |
                json_query "[x[4] for x in j['data'][0] if x[1] == '$1'][0]" 2>/dev/null
}
ok "the export job is running while nobody reads" wait_for 10 eval '[ -n "$(job_of export)" ]'
sleep 1
job=$(job_of export)
progress=$(busctl --system get-property org.sysctr1 "$job" org.sysctr1.Job Progress | awk '{ print $2 }')
ok "its Progress is known, between 0 and 1 ($progress)" awk -v p="$progress" 'BEGIN { exit !(p >= 0 && p <= 1) }'
run busctl --system call org.sysctr1 "$job" org.sysctr1.Job Cancel
is "$rc" 0 "Job.Cancel() of the export" || diag "$err"
wait "$client"
isnt "$?" 0 "the client's export fails"
like "$(cat "$T/export.out")" 'canceled' "... as canceled"
exec {reader}>&-
run sysctr start kc
is "$rc" 0 "the container is not held by the canceled export" || diag "$err"
run sysctr stop kc
