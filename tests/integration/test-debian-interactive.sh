#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The interactive ways into a booted debian guest, driven through a real terminal (tmux of the
# test's own): "sysctr shell" (a root login shell on a pty of the guest, with job control, whose
# exit status comes back) and "sysctr console" (the getty on /dev/console, detached with Ctrl-]
# three times).
. "$(dirname "$0")/lib.sh"
require_root
require_commands tmux
setup_instance
use_cached_image debian bookworm

run sysctr create debian web1
is "$rc" 0 "create web1" || diag "$err"
run sysctr start web1
is "$rc" 0 "start web1" || { diag "$err" "$(tail -n 30 "$SYSCTR_LOG_DIR/web1.log" 2>/dev/null)"; bail "web1 did not start"; }
is "$(guest_wait_booted web1)" running "web1 boots to running"
ctl="$top_builddir/sysctr"

# tmux_start runs in this shell, not in a subshell of "ok": it registers the cleanup of the server.
# Each check types a command whose output differs from what was typed ($((...)) expanded), so the
# match cannot come from the echo of the command line.
shell_says() {          # DESCRIPTION COMMAND-LINE ERE
        tmx send-keys -t sh -l "$2" && tmx send-keys -t sh Enter
        if tmux_wait sh "$3" 10; then
                pass "$1"
        else
                fail "$1" "screen:
$(tmux_screen sh | grep -v '^$' | tail -n 15)"
        fi
}

# --- sysctr shell
tmux_start sh "$ctl shell web1"
is "$?" 0 "sysctr shell starts in a terminal"
ok "... and shows root's prompt" tmux_wait sh 'root@web1[^ ]* ?[#$] *$' 15 ||
        diag "screen:" "$(tmux_screen sh)"
shell_says "the shell runs on a pty of the guest" 'echo "T=$(tty)=$((6*7))"' 'T=/dev/pts/[0-9]+=42'
shell_says "the shell runs as root" 'echo "U=$(id -u)=$((6*7))"' 'U=0=42'
shell_says "it is a login shell" 'shopt -q login_shell && echo "L=$((2+3))"' '^L=5$'
shell_says "HOME is /root and TERM is set" 'echo "H=$HOME=${TERM:+t}=$((1+1))"' 'H=/root=t=2'
shell_says "it is the guest's shell: hostname web1" 'echo "N=$(hostname)=$((1+2))"' 'N=web1=3'
shell_says "job control: a background job is listed" 'sleep 100 & jobs; echo "J=$((3+4))"' \
        '^\[1\]\+ +Running +sleep 100'
shell_says "job control: kill %1 ends it" 'kill %1; wait; jobs; echo "K=$((4+4))"' '^K=8$'
shell_says "the job is gone" 'jobs | wc -l | sed "s/^/C=/"' '^C=0$'
tmx send-keys -t sh -l 'exit 3' && tmx send-keys -t sh Enter
ok "exit 3 ends sysctr shell" wait_for 10 tmux_exited sh || diag "$(tmux_pane_ps sh)"
is "$(tmux_exit_status sh)" 3 "sysctr shell returns the shell's exit status 3"

# Without a terminal a shell still runs (for scripts): commands from stdin, status back.
run sysctr shell web1 <<< 'echo "P=$((20+1))"; exit 4'
is "$rc" 4 "sysctr shell without a terminal: exit status 4 comes back"
like "$out" 'P=21' "... and the commands from stdin ran"

# --- sysctr console
run sysctr console --help
like "$out$err" 'Ctrl-\]|\^\]|Ctrl\+\]' "sysctr console --help names the escape (Ctrl-])"
tmux_start con "$ctl console web1"
is "$?" 0 "sysctr console starts in a terminal"
sleep 0.5
tmx send-keys -t con Enter
ok "the console shows the getty's login prompt" tmux_wait con 'login: *$' 15 ||
        diag "screen:" "$(tmux_screen con)"
run timeout 5 "$ctl" console web1 < /dev/null
isnt "$rc" 0 "a second console client is refused while one is attached"
like "$out$err" 'in use|busy' "... saying the console is in use"
tmx send-keys -t con -l root && tmx send-keys -t con Enter
ok "root logs in on the console (no password in the image)" tmux_wait con 'root@web1[^ ]* ?[#$] *$' 15 ||
        diag "screen:" "$(tmux_screen con)"
tmx send-keys -t con -l 'echo "S=$((5*5))"' && tmx send-keys -t con Enter
ok "commands run on the console" tmux_wait con '^S=25$' 10
tmx send-keys -t con -l 'exit' && tmx send-keys -t con Enter
ok "logging out brings the login prompt back" tmux_wait con 'login: *$' 15
tmx send-keys -t con C-] C-] C-]
ok "Ctrl-] three times detaches" wait_for 10 tmux_exited con ||
        diag "screen:" "$(tmux_screen con | grep -v '^$' | tail -n 5)" "$(tmux_pane_ps con)"
is "$(tmux_exit_status con)" 0 "... with exit status 0"
is "$(container_state web1)" running "the container runs on after the detach"
tmux_start con2 "$ctl console web1"
is "$?" 0 "the console can be attached again"
tmx send-keys -t con2 Enter
ok "... and shows the prompt again" tmux_wait con2 'login: *$' 15
tmx send-keys -t con2 C-] C-] C-]
ok "... and detaches again" wait_for 10 tmux_exited con2

run sysctr console no-such
isnt "$rc" 0 "console of a missing container fails"
run sysctr stop web1
is "$rc" 0 "stop web1"
run sysctr shell web1 < /dev/null
isnt "$rc" 0 "shell on a stopped container fails"
