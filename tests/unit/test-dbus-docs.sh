#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every method, property and signal that sysctrd's vtables export (SD_BUS_METHOD*, SD_BUS_PROPERTY,
# SD_BUS_SIGNAL* in manager/*.c) is named in docs/dbus-api.md and in man/org.sysctr1.5, in the
# section of its interface: a new one cannot go undocumented. No root, no bus: the sources are read.
. "$(dirname "$0")/../integration/lib.sh"

MD=$top_srcdir/docs/dbus-api.md
MAN=$top_srcdir/man/org.sysctr1.5

# "VTABLE KIND NAME" for each entry of each vtable.
vtable_entries() {
        awk '
                match($0, /sd_bus_vtable [a-z_]+\[\] = \{/) {
                        v = $0; sub(/.*sd_bus_vtable /, "", v); sub(/\[.*/, "", v); next
                }
                v != "" && /SD_BUS_VTABLE_END/ { v = ""; next }
                v != "" && match($0, /SD_BUS_(METHOD|METHOD_WITH_ARGS|PROPERTY|WRITABLE_PROPERTY|SIGNAL|SIGNAL_WITH_ARGS)\("[A-Za-z0-9_]+"/) {
                        e = substr($0, RSTART, RLENGTH)
                        kind = e; sub(/\(.*/, "", kind); sub(/SD_BUS_/, "", kind); sub(/_WITH_ARGS/, "", kind)
                        sub(/WRITABLE_/, "", kind)
                        name = e; sub(/.*\("/, "", name); sub(/"$/, "", name)
                        print v, tolower(kind), name
                }' "$top_srcdir"/manager/*.c
}

# The interface a vtable is registered with: "SYSCTR_X_INTERFACE, x_vtable" in the registration
# (manager-dbus.c), the macro resolved through common/bus-names.h.
vtable_interface() {
        local macro
        macro=$(grep -ho "SYSCTR_[A-Z_]*_INTERFACE, $1\b" "$top_srcdir"/manager/*.c | head -1 | cut -d, -f1)
        [ -n "$macro" ] || return 1
        sed -n "s/^#define $macro \"\(.*\)\"$/\1/p" "$top_srcdir/common/bus-names.h"
}

# The section of a document about an interface, as plain words.
md_section() {          # from the "## " heading that names `IFACE` to the next "## "
        awk -v i="\`$1\`" 'index($0, "## ") == 1 { on = index($0, i) > 0; if (on) next } on' "$MD"
}
man_section() {         # from the .SH that names IFACE to the next .SH, roff escapes removed
        awk -v i="$1" '/^\.SH/ { on = index($0, i) > 0; next } on' "$MAN" | sed 's/\\f[BIRP]//g; s/\\-/-/g'
}

mapfile -t entries < <(vtable_entries)
[ "${#entries[@]}" -ge 90 ] || bail "found only ${#entries[@]} vtable entries in manager/*.c"
mapfile -t vtables < <(printf '%s\n' "${entries[@]}" | cut -d' ' -f1 | sort -u)
like "${vtables[*]}" 'container_vtable' "the vtables are found (${vtables[*]})"

for v in "${vtables[@]}"; do
        interface=$(vtable_interface "$v")
        if [ -z "$interface" ]; then
                fail "$v is registered with an interface of common/bus-names.h"
                continue
        fi
        md=$(md_section "$interface")
        man=$(man_section "$interface")
        isnt "$md" "" "docs/dbus-api.md has a section on $interface"
        isnt "$man" "" "org.sysctr1(5) has a section on $interface"
        for kind in method property signal; do
                names=$(printf '%s\n' "${entries[@]}" | awk -v v="$v" -v k="$kind" '$1 == v && $2 == k { print $3 }')
                [ -n "$names" ] || continue
                missing_md= missing_man=
                for n in $names; do
                        grep -qw -- "$n" <<< "$md" || missing_md+=" $n"
                        grep -qw -- "$n" <<< "$man" || missing_man+=" $n"
                done
                count=$(wc -w <<< "$names")
                is "$missing_md" "" "docs/dbus-api.md names every $kind of $interface ($count)"
                is "$missing_man" "" "org.sysctr1(5) names every $kind of $interface ($count)"
        done
done

# The man page is well-formed roff.
if command -v groff >/dev/null; then
        o=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN" 2>&1)
        is "$o" "" "groff has no warning about org.sysctr1(5)"
fi
