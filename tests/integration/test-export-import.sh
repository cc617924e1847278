#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# sysctr export / import: a container with its layers, snapshots and (--volumes) volumes goes into a
# zstd-compressed archive and comes back whole, through files or through pipes (stdout/stdin), with
# its image or finding it by its content hash; bad archives (../ paths, absolute paths, escaping or
# outside links, device nodes, truncated, altered, not ours) are refused with a message naming the
# problem, and nothing is written outside the import's own temporary directory.
. "$(dirname "$0")/lib.sh"
require_root
require_commands zstd
setup_instance
cdir="$SYSCTR_STATE_DIR/containers"
images="$SYSCTR_STATE_DIR/images"

run sysctr volume create data
run sysctr volume create big --size 32M
run sysctr create busybox e1 --volume data:/data --volume big:/big
is "$rc" 0 "create e1 with two volumes" || diag "$err"
run sysctr start e1
guest_sh e1 'echo hello > /root/h && mkdir -p /home/u && echo u > /home/u/f && chown -R 1000:1000 /home/u &&
        echo vd > /data/f && echo vb > /big/g && ln -s /etc/hostname /root/abs && ln /root/h /root/hard &&
        touch "/root/$(printf "caf\351")" && ln -s "Fő.pem" "/root/$(printf "l\303\251")" && echo ok'
is "$out" ok "e1 has files, owners, links, names that are not ASCII nor UTF-8, and files in its volumes"
run sysctr export e1 "$T/e1.tar.zst"
isnt "$rc" 0 "exporting a running container is refused"
like "$err" 'stop it' "... saying to stop it"
ok "... and leaves no file" test ! -e "$T/e1.tar.zst"
run sysctr stop e1
run sysctr snapshot create e1 s1
run sysctr start e1
guest_sh e1 'echo after > /root/after'
run sysctr stop e1

# --- a round trip through a file, with the volumes
run sysctr export e1 "$T/e1.tar.zst" --volumes
is "$rc" 0 "export e1 --volumes" || diag "$err"
ok "the archive is a zstd-compressed tar" eval 'zstd -dc "$T/e1.tar.zst" | tar tf - >/dev/null 2>&1'
list=$(zstd -dc "$T/e1.tar.zst" | tar tf - 2>/dev/null)
is "$(printf '%s\n' "$list" | head -n 1)" sysctr-manifest "its first entry is the manifest"
is "$(printf '%s\n' "$list" | tail -n 1)" sysctr-digest "its last entry is the digest"
ok "it carries the image, the layers, the snapshot and the volumes" eval \
        'printf "%s\n" "$list" | grep -q "^image/rootfs/bin/busybox" &&
         printf "%s\n" "$list" | grep -q "^container/upper/root/after" &&
         printf "%s\n" "$list" | grep -q "^container/snapshots/s1" &&
         printf "%s\n" "$list" | grep -q "^volumes/data/data/f" && printf "%s\n" "$list" | grep -q "^volumes/big/data/g"'
owner=$(zstd -dc "$T/e1.tar.zst" | tar tvf - container/layers 2>/dev/null | grep ' container/layers/[^/]*/home/u/f$' | awk '{print $2}')
is "$owner" "1000/1000" "owners are stored as the container sees them (1000, not id-base + 1000)"
run sysctr import "$T/e1.tar.zst" e2
isnt "$rc" 0 "importing alongside is refused while its volumes exist here"
like "$err" 'volume "data"' "... naming the volume"
ok "... and nothing is left of it" eval '[ -z "$(ls -A "$cdir" | grep -v "^e1$")" ]'
run sysctr delete e1
run sysctr volume delete data big
run sysctr import "$T/e1.tar.zst"
is "$rc" 0 "import the archive (its own name)" || diag "$err"
is "$out" e1 "import prints the container's name"
run sysctr volume list --json
is "$(printf '%s' "$out" | json_query '[v["name"] + ":" + v["backend"] for v in j]')" "big:loop
data:directory" "the volumes came back, the loop one with its size"
run sysctr snapshot list e1 --json
is "$(printf '%s' "$out" | json_query '[x["name"] for x in j]')" s1 "the snapshot came back"
run sysctr start e1
is "$rc" 0 "the imported e1 starts" || diag "$err"
guest_sh e1 'cat /root/h /root/after /data/f /big/g; stat -c %u:%g /home/u/f; readlink /root/abs; stat -c %h /root/h'
is "$out" "hello
after
vd
vb
1000:1000
/etc/hostname
2" "its files, owners, links and volumes are as they were"
guest_sh e1 'test -e "/root/$(printf "caf\351")" && readlink "/root/$(printf "l\303\251")"'
is "$out" "Fő.pem" "names and link targets are the same bytes (a Latin-1 name, a UTF-8 one)"
run sysctr stop e1
run sysctr snapshot restore e1 s1
run sysctr start e1
guest_sh e1 'test -e /root/after || echo gone'
is "$out" gone "its snapshot restores"
run sysctr stop e1

# --- through pipes, without the image: found here by its content hash

sysctr export e1 - --no-image 2>"$T/exp.err" | sysctr import - e2 >"$T/imp.out" 2>"$T/imp.err"
is "$?" 0 "export e1 - --no-image | import - e2" || diag "$(cat "$T/exp.err" "$T/imp.err")"
is "$(config_field e2 image)" "$(config_field e1 image)" "e2 found e1's image version by its hash"
isnt "$(config_field e2 id)" "$(config_field e1 id)" "e2, another name on the same host, has a UUID of its own"
isnt "$(config_field e2 id-base)" "$(config_field e1 id-base)" "... and an ID range of its own"
run sysctr start e2
guest_sh e2 'cat /root/h; stat -c %u /home/u/f; cat /etc/machine-id'
is "$out" "hello
1000
$(config_field e2 id | tr -d -)" "e2 has e1's files, owners right in its own range, its own machine ID"
run sysctr stop e2

# --- an image this host does not have: carried, or refused without it
sysctr export e1 "$T/noimg.tar.zst" --no-image 2>/dev/null
run sysctr delete e1 e2
run sysctr volume delete data big
version=$(ls "$images" | grep @)
run sysctr template remove busybox
is "$(ls -A "$images")" "" "the image is gone from this host"
run sysctr import "$T/noimg.tar.zst" n1
isnt "$rc" 0 "an archive without its image is refused where the image is not"
like "$err" 'leaves its image .* out, and no image with its content hash' "... saying so"
ok "... and writes nothing" eval '[ -z "$(ls -A "$cdir")" ] && [ -z "$(ls -A "$images")" ]'
run sysctr import "$T/e1.tar.zst" n2
is "$rc" 0 "an archive with its image brings it along" || diag "$err"
is "$(config_field n2 image)" "$version" "... as the same version"
ok "... which is there now" test -d "$images/$version/rootfs/bin"
run sysctr start n2
guest_sh n2 'cat /root/h'
is "$out" hello "n2 runs on it"
run sysctr stop n2

# --- bad archives: each refused with its reason, nothing written
manifest="FORMAT=1
NAME=bad
ID=0b0c1e3f-3c4e-4d34-9a37-8f1d6a4e2b10
PRIVILEGED=0
IMAGE=$version
IMAGE_HASH=$(printf '%064d' 0)
IMAGE_INCLUDED=0
VOLUMES="
make_bad() {            # NAME PYTHON-STATEMENTS (t: the TarFile, add(name, **attrs), data(name, bytes))
        "$PYTHON" - "$T/$1.tar" "$manifest" "$2" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
def data(name, b, **kw):
    i = tarfile.TarInfo(name); i.size = len(b)
    for k, v in kw.items(): setattr(i, k, v)
    t.addfile(i, io.BytesIO(b))
def add(name, **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items(): setattr(i, k, v)
    t.addfile(i)
data("sysctr-manifest", sys.argv[2].encode())
exec(sys.argv[3])
t.close()
PY
        zstd -q -f "$T/$1.tar" -o "$T/$1.tar.zst" && rm "$T/$1.tar"
}
make_bad dotdot 'data("container/upper/../../../../tmp/evil", b"x")'
make_bad absolute 'data("/tmp/evil", b"x")'
make_bad escape 'add("container/upper/etc/x", type=tarfile.SYMTYPE, linkname="../../../../../../etc/shadow")'
make_bad hardlink 'add("container/upper/x", type=tarfile.LNKTYPE, linkname="image/rootfs/etc/shadow")'
make_bad hardlink2 'add("container/upper/x", type=tarfile.LNKTYPE, linkname="/etc/shadow")'
make_bad device 'add("container/upper/dev/sda", type=tarfile.CHRTYPE, devmajor=8, devminor=0)'
make_bad block 'add("container/upper/dev/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0)'
make_bad unknown 'data("etc/passwd", b"x")'
make_bad owner 'data("container/upper/x", b"x", uid=70000)'
make_bad nodigest 'data("container/config.yaml", b"name: bad\n")'
refused() {             # ARCHIVE ERE DESCRIPTION
        local before_c before_i before_v
        before_c=$(ls -A "$cdir"); before_i=$(ls -A "$images"); before_v=$(ls -A "$SYSCTR_STATE_DIR/volumes")
        run sysctr import "$T/$1" bad
        isnt "$rc" 0 "$3: refused"
        like "$err" "$2" "... saying why"
        ok "... writing nothing" eval '[ "$(ls -A "$cdir")" = "$before_c" ] && [ "$(ls -A "$images")" = "$before_i" ] &&
                [ ! -e /tmp/evil ] && [ "$(ls -A "$SYSCTR_STATE_DIR/volumes")" = "$before_v" ]'
}
refused dotdot.tar.zst 'container/upper/\.\./.*not a path' "an entry with ../"
refused absolute.tar.zst '/tmp/evil.*not a path' "an absolute path"
refused escape.tar.zst 'symbolic link that leaves its tree' "a symlink that climbs out of its layer"
refused hardlink.tar.zst 'hard link to outside' "a hard link into another tree"
refused hardlink2.tar.zst 'hard link to outside' "a hard link to an absolute path"
refused device.tar.zst 'device node' "a device node (8:0)"
refused block.tar.zst 'device node' "a block device"
refused unknown.tar.zst 'etc/passwd.*not a path' "an entry outside the archive's layout"
refused owner.tar.zst 'owner outside' "an owner outside 0-65535"
refused nodigest.tar.zst 'truncated|digest' "an archive without its digest"
head -c $(( $(stat -c %s "$T/e1.tar.zst") / 2 )) "$T/e1.tar.zst" > "$T/truncated.tar.zst"
refused truncated.tar.zst 'truncated|damaged' "a truncated archive"
zstd -dc "$T/e1.tar.zst" > "$T/plain.tar"
off=$(grep -abo 'hello' "$T/plain.tar" | head -n 1 | cut -d: -f1)
printf 'HELLO' | dd of="$T/plain.tar" bs=1 seek="$off" conv=notrunc 2>/dev/null
zstd -q -f "$T/plain.tar" -o "$T/altered.tar.zst"
refused altered.tar.zst 'does not match its digest' "an archive whose file content was altered"
head -c 4096 /dev/urandom > "$T/garbage"
refused garbage 'Not a sysctr archive' "something that is not an archive"
refused e1.tar.zst 'volume "data"|exists' "a good archive whose volumes exist here (after the bad ones: they left nothing)"
run sysctr import "$T/e1.tar.zst" n2
isnt "$rc" 0 "importing onto an existing name is refused"
