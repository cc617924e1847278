# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Drive bash completion of sysctr as bash does: load completion/sysctr, then bash_complete LINE sets
# COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT for the cursor at the end of LINE, calls the
# function that "complete -p sysctr" names, and prints COMPREPLY one a line. Words are split as bash
# splits them (COMP_WORDBREAKS: "--a=b" is "--a" "=" "b"). SYSCTR_COMPLETE_COMMAND, if set, replaces
# the first word (the sysctr that the script runs to learn names).

# shellcheck source=/dev/null
. "$top_srcdir/completion/sysctr"
complete_function=$(complete -p sysctr | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
compopt() { :; }        # valid only inside a real completion; what it sets is not tested

bash_complete() {
        local line=$1 spaced
        spaced=${line//=/ = }
        spaced=${spaced//:/ : }
        read -ra COMP_WORDS <<< "$spaced"
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        if [[ $line == *" " || -z $line ]]; then
                COMP_WORDS+=("")
                COMP_CWORD=$((COMP_CWORD + 1))
        fi
        [ -z "${SYSCTR_COMPLETE_COMMAND:-}" ] || COMP_WORDS[0]=$SYSCTR_COMPLETE_COMMAND
        COMP_LINE=$line
        COMP_POINT=${#line}
        COMPREPLY=()
        "$complete_function" sysctr "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        [ "${#COMPREPLY[@]}" -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}

offers() {              # offers LINE WORD: does completing LINE offer WORD?
        bash_complete "$1" | grep -qxF -- "$2"
}
