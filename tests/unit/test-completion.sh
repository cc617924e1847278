#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The completion scripts know every verb and option that sysctr's own help shows: the verbs from
# "sysctr --help", the options from "sysctr VERB --help", so that a new verb or option cannot be
# forgotten there. Bash completion is driven as bash drives it (COMP_WORDS, COMP_CWORD, the function
# that "complete -p sysctr" names); zsh's script is checked for each name and for its syntax. Names
# of containers, templates and images need a running sysctrd: tests/integration/test-completion-names.sh.
# No root needed.
. "$(dirname "$0")/../integration/lib.sh"

SYSCTR_BIN=$top_builddir/sysctr
ZSH_COMPLETION=$top_srcdir/completion/_sysctr
# Nothing to reach: completion of names must stay quiet and quick.
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/sysctr-test-bus

# --- what sysctr's help says ---

# The verbs: in "Commands:", the leading lower-case words of each line ("template build TEMPLATE").
verbs_from_help() {
        "$SYSCTR_BIN" --help | awk '
                /^Commands:/ { on = 1; next }
                on && /^$/ { exit }
                on && /^  [a-z]/ {
                        v = ""
                        for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++) v = v (v == "" ? "" : " ") $i
                        print v
                }'
}

# The options of a help text's "Options:" section: "--name" or "--name=" (takes a value), "-x" or
# "-x=", one a line; -h and --help excluded (every verb has them).
options_from_help() {
        awk '
                /^Options:/ { on = 1; next }
                on && /^$/ { exit }
                on && /^  +-/ {
                        for (i = 1; i <= NF; i++) {
                                w = $i
                                if (w ~ /^--[a-z][a-z0-9-]*=/) { sub(/=.*/, "=", w); long = w }
                                else if (w ~ /^--[a-z][a-z0-9-]*$/) long = w
                                else if (w ~ /^-[a-zA-Z]$/) short = w
                                else break
                        }
                        if (long != "--help") {
                                if (short != "") print short (long ~ /=$/ ? "=" : "")
                                print long
                        }
                        long = short = ""
                }'
}

mapfile -t VERBS < <(verbs_from_help)
[ "${#VERBS[@]}" -ge 17 ] || bail "found only ${#VERBS[@]} verbs in sysctr --help"
mapfile -t GLOBAL_OPTIONS < <("$SYSCTR_BIN" --help | options_from_help)
like "${GLOBAL_OPTIONS[*]}" '--version' "the global options are read from sysctr --help"
verb_options() { "$SYSCTR_BIN" $1 --help | options_from_help; }       # $1 unquoted: "template list"
like "$(verb_options create | tr '\n' ' ')" '--memory= .*--privileged ' "options are read from sysctr VERB --help"
like "$(verb_options logs | tr '\n' ' ')" '-n= --lines=' "short options with their long ones"

# --- bash: driven as bash does it ---

. "$top_srcdir/tests/unit/complete-bash.sh"
is "$(complete -p sysctr)" "complete -F _sysctr sysctr" "the bash script registers its function for sysctr"
SYSCTR_COMPLETE_COMMAND=$SYSCTR_BIN

missing=
for v in "${VERBS[@]}"; do
        first=${v%% *}
        offers "sysctr " "$first" || missing+=" $first"
        if [[ $v == *" "* ]]; then
                offers "sysctr $first " "${v#* }" || missing+=" $v"
        fi
done
is "$missing" "" "bash offers every verb of sysctr --help"

for o in "${GLOBAL_OPTIONS[@]}"; do
        offers "sysctr -" "$o" || missing+=" $o"
done
is "$missing" "" "bash offers every global option"

for v in "${VERBS[@]}"; do
        missing=
        mapfile -t opts < <(verb_options "$v")
        for o in "${opts[@]}" -h --help; do
                # Short options take their value as the next word, so they are offered without "=".
                [[ $o == -[a-zA-Z]= ]] && o=${o%=}
                offers "sysctr $v -" "$o" || missing+=" $o"
        done
        is "$missing" "" "bash offers every option of \"$v\" (${#opts[@]})"
done

# Values and arguments.
is "$(bash_complete 'sysctr create --stop-signal=SIGRTMIN+3' | head -1)" "SIGRTMIN+3" \
        "--stop-signal=VALUE: signals (bash's word is the part after \"=\")"
is "$(bash_complete 'sysctr create --stop-signal=' | grep -c '^=SIG')" "26" \
        "--stop-signal=: the signals, each replacing bash's \"=\" word"
is "$(bash_complete 'sysctr kill web1 SIGUS' | tr '\n' ' ')" "SIGUSR1 SIGUSR2 " "kill NAME SIGNAL: signals"
is "$(bash_complete 'sysctr set web1 mem')" "memory=" "set NAME KEY=VALUE: the keys"
is "$(bash_complete 'sysctr exec web1 ls -' | tr '\n' ' ')" "" "exec: past NAME the words are the command's"
is "$(bash_complete 'sysctr logs -n ' | tr '\n' ' ')" "" "a short option's value is not taken for an argument"
is "$(bash_complete 'sysctr frobnicate ' | tr '\n' ' ')" "" "nothing for an unknown verb"

# Names with sysctrd out of reach: nothing, no message, at once.
start_s=$(now_s)
o=$(bash_complete 'sysctr start ' 2>&1)
is "$o" "" "container names without a reachable sysctrd: nothing, and no message"
o=$(bash_complete 'sysctr create ' 2>&1)$(bash_complete 'sysctr template remove ' 2>&1)
is "$o" "" "template and image names likewise"
cmp_ok "$(elapsed_s "$start_s")" "<" 5 "and without waiting"

# Every verb the script knows is one sysctr knows (no stale ones).
stale=
for v in "${_sysctr_verbs[@]}"; do
        # shellcheck disable=SC2086 # two-word verbs
        "$SYSCTR_BIN" $v --help >/dev/null 2>&1 || stale+=" $v"
done
is "$stale" "" "every verb of the bash script is one of sysctr's"

# --- zsh: every name in the script, and the script parses ---

# The branch of "case $verb" in _sysctr for verb v: from its pattern line to ";;".
zsh_branch() {
        awk -v verb="$1" '
                !on && /^        [a-z" |]+\)$/ {
                        p = $0; sub(/\)$/, "", p); gsub(/"/, "", p)
                        n = split(p, alts, /[ ]*\|[ ]*/)
                        for (i = 1; i <= n; i++) { a = alts[i]; gsub(/^ +| +$/, "", a); if (a == verb) on = 1 }
                        next
                }
                on && /;;/ { exit }
                on { print }' "$ZSH_COMPLETION"
}

missing=
for v in "${VERBS[@]}"; do
        if [[ $v == *" "* ]]; then
                grep -q "${v%% *}_verbs=.*'${v#* }:\|^ *'${v#* }:" "$ZSH_COMPLETION" || missing+=" $v"
        else
                grep -q "^ *'$v:" "$ZSH_COMPLETION" || missing+=" $v"
        fi
        [ -n "$(zsh_branch "$v")" ] || missing+=" $v(branch)"
done
is "$missing" "" "zsh knows every verb of sysctr --help, each with its branch"

missing=
for o in "${GLOBAL_OPTIONS[@]}"; do
        # '(- *)--version[...' (alone), or '(-H --host)'{-H+,--host=}'[...' (with a verb after it).
        case $o in
        --*=) grep -qF -- ",$o}" "$ZSH_COMPLETION" ;;
        -?=) grep -qF -- "{${o%=}+," "$ZSH_COMPLETION" ;;
        *) grep -qF -- "'(- *)${o}[" "$ZSH_COMPLETION" ;;
        esac || missing+=" $o"
done
is "$missing" "" "zsh knows every global option"

for v in "${VERBS[@]}"; do
        missing=
        branch=$(zsh_branch "$v")
        mapfile -t opts < <(verb_options "$v")
        for o in "${opts[@]}"; do
                case $o in
                --*=) grep -qF -- "$o" <<< "$branch" ;;                 # '--name=[...' or {...,--name=}
                --*) grep -qE -- "$o(\[|\})" <<< "$branch" ;;           # '--name[...' or {...,--name}
                -?=) grep -qF -- "{${o%=}+," <<< "$branch" ;;           # {-n+,--lines=}
                -?) grep -qF -- "{$o," <<< "$branch" ;;                 # {-f,--follow}
                esac || missing+=" $o"
        done
        is "$missing" "" "zsh offers every option of \"$v\" (${#opts[@]})"
done

command -v zsh >/dev/null || bail "zsh is not installed (tools/install-deps installs it)"
ok "the zsh script parses (zsh -n)" zsh -n "$ZSH_COMPLETION"

# --- zsh: driven for real, on a pseudo-terminal (tests/unit/complete-zsh.zsh) ---

lines=("sysctr " "sysctr -" "sysctr template " "sysctr config ")
for v in "${VERBS[@]}"; do
        lines+=("sysctr $v -")
done
lines+=("sysctr kill web1 SIGUS" "sysctr start ")
zsh_out=$(PATH=$(dirname "$SYSCTR_BIN"):$PATH timeout 120 zsh -f "$top_srcdir/tests/unit/complete-zsh.zsh" \
        "$top_srcdir/completion" "${lines[@]}" 2>&1)
zsh_section() {         # what completing LINE showed
        awk -v l="=== $1" '$0 == l { on = 1; next } /^=== / { on = 0 } on' <<< "$zsh_out"
}
shows() {               # shows LINE WORD...: the words that completing LINE did not show
        local line=$1 w out
        shift
        out=$(zsh_section "$line")
        for w in "$@"; do
                grep -qE -- "(^|[^-a-zA-Z0-9])${w}([^-a-zA-Z0-9]|$)" <<< "$out" || echo -n " $w"
        done
}
first_words=$(printf '%s\n' "${VERBS[@]}" | cut -d' ' -f1 | sort -u)
# shellcheck disable=SC2086
is "$(shows "sysctr " $first_words)" "" "zsh shows every verb"
is "$(shows "sysctr template " $(printf '%s\n' "${VERBS[@]}" | sed -n 's/^template //p'))" "" \
        "zsh shows every template verb"
is "$(shows "sysctr config " show)" "" "zsh shows config show"
# shellcheck disable=SC2046
is "$(shows "sysctr -" $(printf '%s\n' "${GLOBAL_OPTIONS[@]}" | sed 's/=$//'))" "" "zsh shows the global options"
for v in "${VERBS[@]}"; do
        mapfile -t opts < <(verb_options "$v" | sed 's/=$//')
        longs=() shorts=()
        for o in "${opts[@]}" --help; do
                [[ $o == --* ]] && longs+=("$o") || shorts+=("$o")
        done
        missing=$(shows "sysctr $v -" "${longs[@]}" "${shorts[@]}" -h)
        is "$missing" "" "zsh shows every option of \"$v\" (${#opts[@]})"
done
like "$(zsh_section "sysctr kill web1 SIGUS")" 'SIGUSR1.*SIGUSR2|SIGUSR2.*SIGUSR1' "zsh: kill NAME SIGNAL: signals"
# The first line is the echo of what was typed.
unlike "$(zsh_section "sysctr start " | tail -n +2)" '[a-z]' \
        "zsh: no names and no message without a reachable sysctrd"
