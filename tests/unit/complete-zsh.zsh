# SPDX-License-Identifier: LGPL-2.1-or-later
# Drive zsh completion of sysctr for real: an interactive zsh on a pseudo-terminal (zpty) with
# compinit and completion/_sysctr; each LINE is typed, then TAB. Prints "=== LINE" and what the
# terminal then showed (the completed line and the list), escape sequences removed.
#       zsh -f complete-zsh.zsh COMPLETION_DIR LINE...
zmodload zsh/zpty || exit 1
setopt extendedglob
dir=$1
shift
zpty z 'zsh -f -i' || exit 1
# The "RE""ADY" that zsh prints, not the echo of the command line, tells that it is set up.
zpty -w z "PS1='%% '; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D; \
setopt nolistambiguous nobeep; zstyle ':completion:*' list-rows-first true; echo RE\"\"ADY"
zpty -r -m z junk '*READY*' || exit 1
sleep 0.2
while zpty -r -t z junk; do :; done
for l in "$@"; do
        zpty -w -n z "$l"$'\t'
        sleep 0.5
        out=
        while zpty -r -t z chunk; do out+=$chunk; done
        print -r -- "=== $l"
        print -r -- "${out//$'\e'\[[0-9;?]#[a-zA-Z]/}" | tr -d '\r\b'
        # Clear the line for the next one.
        zpty -w -n z $'\C-u'
        sleep 0.1
        while zpty -r -t z junk; do :; done
done
zpty -d z
