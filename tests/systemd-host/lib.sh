# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# shellcheck disable=SC2154 # top_srcdir, top_builddir, out, err, rc: set by tests/integration/lib.sh
#
# The systemd-host harness, host side: a real systemd host for the tests that need systemd as PID 1,
# made from a Debian image with sysctr itself. Source it after tests/integration/lib.sh (whose private
# instance, TAP functions and cleanup it builds on):
#
#       . "$(dirname "$0")/../integration/lib.sh"
#       . "$(dirname "$0")/lib.sh"
#       sdhost_require; setup_instance  # root, a build configured for /usr
#       sdhost_setup                    # image, container "sdhost", sysctr installed into it
#       sdhost_boot                     # start it, wait for "running"
#       sdhost_run_inside test-units    # run an inside test there, its TAP merged into ours
#
# The pieces:
#   - the image: the test-only template tests/systemd-host/sdhost (the debian template plus polkitd,
#     systemd-container, busybox-static and sysctr's run-time libraries), built once through the
#     instance's sysctrd and cached like the debian image (use_cached_image, flock, atomic rename);
#   - the install: "make install DESTDIR=" from the build under test plus the inside tests, copied into
#     the container's upper layer while it is stopped, so the cached image never holds sysctr itself;
#   - two binds: a directory of the instance's temp dir (ext4: an overlay upper layer cannot be on
#     overlayfs) as the inner /var/lib/sysctr, and the cached debian image, read-only, for nested
#     Debian guests;
#   - the inside tests (tests/systemd-host/inside/test-*.sh, TAP, run as root in the systemd host):
#     each names the tiers it belongs to in a line "# tiers: container vm".
# Everything lives in the instance (its temp dir, its cgroup), so the integration harness's cleanup
# removes it, nested containers included, on every exit path.

SDHOST=sdhost                                   # the outer container
SDHOST_TESTS_DIR=/usr/lib/sysctr-tests          # the inside tests, in the systemd host
SDHOST_INSIDE_SRC=$top_srcdir/tests/systemd-host/inside
SDHOST_RELEASE=bookworm
# Seconds an inside test may take; a hang then fails that test instead of the suite.
SDHOST_TEST_TIMEOUT=${SDHOST_TEST_TIMEOUT:-600}

# ---------------------------------------------------------------------------------------------------
# Templates: the real ones plus sdhost, in a directory of the instance's own

# The image key of use_cached_image hashes a template's build and template.yaml only: the copy of
# sdhost's build carries the hash of the debian builder it runs, so a change there rebuilds sdhost.
_sdhost_template_dir() {
        local d=$T/templates t
        mkdir -p "$d/sdhost" || return 1
        for t in "$top_srcdir"/templates/*/; do
                t=${t%/}
                [ -f "$t/build" ] && ln -sfn "$t" "$d/$(basename "$t")"
        done
        cp "$top_srcdir/tests/systemd-host/sdhost/template.yaml" "$d/sdhost/" &&
                cp "$top_srcdir/tests/systemd-host/sdhost/build" "$d/sdhost/" &&
                echo "# debian builder: $(sha256sum < "$top_srcdir/templates/debian/build" | cut -c 1-16)" \
                        >> "$d/sdhost/build" && chmod 0755 "$d/sdhost/build" || return 1
        echo "$d"
}

# The build's install paths: the systemd host runs what "make install" puts into /usr, /etc, /var.
_sdhost_check_build_paths() {
        local var want got
        for var in prefix=/usr sysconfdir=/etc localstatedir=/var runstatedir=/run; do
                want=${var#*=}
                got=$(sed -n "s/^${var%%=*} = //p" "$top_builddir/Makefile")
                [ "$got" = "$want" ] || {
                        echo "${var%%=*} is '$got'"
                        return 1
                }
        done
}

# ---------------------------------------------------------------------------------------------------
# Installing the build under test into a root tree (the container's upper layer; the VM tier's image)

# Debian's /bin, /sbin and /lib are symlinks into /usr: a real directory of that name in an overlay
# upper layer would hide the image's symlink and with it the whole of /usr/lib. Move such trees of
# the staging root into usr/ first.
_sdhost_merge_usr() {           # STAGE
        local d
        for d in bin sbin lib lib32 lib64 libx32; do
                [ -d "$1/$d" ] && [ ! -L "$1/$d" ] || continue
                mkdir -p "$1/usr/$d" && cp -a "$1/$d/." "$1/usr/$d/" && rm -rf "${1:?}/$d" || return 1
        done
}

# sdhost_install_tree ROOT LOG: "make install" of $top_builddir, the inside tests into
# $SDHOST_TESTS_DIR, and the mount points of the harness's binds, merged into ROOT.
sdhost_install_tree() {
        local root=$1 log=$2 stage
        stage=$(mktemp -d "$T/stage.XXXXXX") || return 1
        # "cp -a STAGE/." gives ROOT the stage's own mode too: mktemp's 0700 would lock every user
        # but root out of the whole tree.
        chmod 0755 "$stage" || return 1
        # A make of our own: not the jobserver of a "make check" that may have started us.
        if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" install DESTDIR="$stage" \
                >"$log" 2>&1; then
                diag "make install failed:" "$(tail -n 20 "$log")"
                return 1
        fi
        mkdir -p "$stage$SDHOST_TESTS_DIR/images" "$stage/var/lib/sysctr" || return 1
        install -m 0755 "$SDHOST_INSIDE_SRC"/*.sh "$stage$SDHOST_TESTS_DIR/" || return 1
        # Their lib.sh sources the TAP library from its own directory.
        install -m 0644 "$top_srcdir/tests/tap.sh" "$stage$SDHOST_TESTS_DIR/tap.sh" || return 1
        _sdhost_merge_usr "$stage" && mkdir -p "$root" && cp -a "$stage/." "$root/" || return 1
        rm -rf "$stage"
        # What "make install" does without DESTDIR: root's subordinate IDs, in the host's /etc.
        mkdir -p -m 0755 "$root/etc" && "$top_srcdir/tools/setup-subids" --root "$root" >>"$log" 2>&1 ||
                { diag "setup-subids failed:" "$(tail -n 5 "$log")"; return 1; }
}

# ---------------------------------------------------------------------------------------------------
# The outer container

# The inner /var/lib/sysctr: on the host's file system, with the cached debian image linked in through
# the read-only bind at $SDHOST_TESTS_DIR/images/IMAGE.
_sdhost_inner_state() {         # DEBIAN-IMAGE
        local d=$T/inner-state
        mkdir -m 0700 "$d" && mkdir -m 0700 "$d/containers" "$d/images" || return 1
        [ -z "$1" ] || ln -s "$SDHOST_TESTS_DIR/images/$1" "$d/images/$1" || return 1
        echo "$d"
}

# Created through D-Bus (CreateContainer's "binds" option): the harness depends on the stable API
# only, not on how the CLI spells its options.
_sdhost_create() {              # BIND...
        local n=$#
        # Privileged: it runs sysctr, whose unprivileged containers need host IDs of their own beyond
        # the 65,536 an unprivileged container has.
        busctl --system --timeout=120 call org.sysctr1 /org/sysctr1 org.sysctr1.Manager CreateContainer \
                'ssa{sv}' "$SDHOST" sdhost 3 release s "$SDHOST_RELEASE" privileged b true \
                binds as "$n" "$@" >/dev/null
}

# sdhost_require: before setup_instance (a skip after it would leave the instance's daemons behind).
sdhost_require() {
        local why
        require_root
        why=$(_sdhost_check_build_paths) ||
                skip_all "the systemd-host tier installs the build: configure it with --prefix=/usr" \
                        "--sysconfdir=/etc --localstatedir=/var --runstatedir=/run ($why)"
        require_commands make busctl flock
}

# sdhost_setup: the images, the container, sysctr installed into it. After setup_instance. Bails out
# when something the tier cannot go without fails (the plan then shows the bail-out, not a skip).
sdhost_setup() {
        local tdir debian_image debian_entry state upper
        tdir=$(_sdhost_template_dir) || bail "cannot make the template dir in $T"
        # sysctrd reads SYSCTR_TEMPLATE_DIR when it starts: start it anew on ours.
        stop_sysctrd
        export SYSCTR_TEMPLATE_DIR=$tdir
        start_sysctrd

        use_cached_image debian "$SDHOST_RELEASE"
        debian_image=$IMAGE
        debian_entry=$(readlink "$SYSCTR_STATE_DIR/images/$debian_image")
        use_cached_image sdhost "$SDHOST_RELEASE"

        state=$(_sdhost_inner_state "$debian_image") || bail "cannot make the inner state dir"
        _sdhost_create "$state:/var/lib/sysctr" "$debian_entry:$SDHOST_TESTS_DIR/images/$debian_image:ro" ||
                bail "cannot create the container $SDHOST"
        pass "create the systemd host $SDHOST (image $IMAGE) with its binds"

        upper=$SYSCTR_STATE_DIR/containers/$SDHOST/upper
        sdhost_install_tree "$upper" "$T/install.log" || bail "cannot install the build into $SDHOST"
        pass "install the build under test into $SDHOST (make install DESTDIR=)"
}

# Wait for the guest's systemd; on "degraded" or worse, show what failed.
sdhost_boot() {
        local t0 dt st
        t0=$(now_s)
        run sysctr start "$SDHOST"
        dt=$(elapsed_s "$t0")
        is "$rc" 0 "start $SDHOST" || {
                diag "$err" "$(tail -n 30 "$SYSCTR_LOG_DIR/$SDHOST.log" 2>/dev/null)"
                bail "the systemd host did not start"
        }
        st=$(timeout 120 "$top_builddir/sysctr" exec "$SDHOST" -- systemctl is-system-running --wait 2>&1)
        is "$st" running "$SDHOST boots to running (start took $dt s)" ||
                diag "$(sdhost_sh 'systemctl --failed --no-pager; journalctl -b -p warning --no-pager | tail -n 40')"
        run sysctr exec "$SDHOST" -- sysctr --version
        is "$rc" 0 "the installed sysctr runs in $SDHOST (its libraries are there)" ||
                diag "$out" "$err" "$(sdhost_sh 'ldd /usr/bin/sysctr /usr/sbin/sysctrd /usr/libexec/sysctr/sysctr-agent')"
}

# sdhost_sh SCRIPT: run SCRIPT in the systemd host, stdout and stderr together.
sdhost_sh() {
        timeout -k 5 120 "$top_builddir/sysctr" exec "$SDHOST" -- sh -c "$1" 2>&1
}

sdhost_shutdown() {
        run sysctr stop "$SDHOST"
        is "$rc" 0 "stop $SDHOST (and every container nested in it)" || diag "$err"
        ok "no process is left in $SDHOST's cgroup" wait_for 10 payload_empty "$SDHOST"
}

# ---------------------------------------------------------------------------------------------------
# Inside tests

# The inside tests of TIER (as named in their "# tiers:" line), or those of $SYSCTR_TEST_INSIDE
# ("test-units test-journal") when set, to run a few by hand.
sdhost_inside_tests() {         # TIER
        local f n
        for f in "$SDHOST_INSIDE_SRC"/test-*.sh; do
                n=$(basename "$f" .sh)
                if [ -n "${SYSCTR_TEST_INSIDE:-}" ]; then
                        [[ " $SYSCTR_TEST_INSIDE " == *" $n "* ]] && echo "$n"
                elif grep -Eq "^# tiers:.*\<$1\>" "$f"; then
                        echo "$n"
                fi
        done
}

# sdhost_relay NAME FILE STATUS: merge the TAP of an inside test (in FILE; it exited with STATUS) into
# ours, each description prefixed with NAME. A missing or wrong plan, a bail-out or a failing exit
# status without a failed test is a failure of its own.
sdhost_relay() {
        local name=$1 file=$2 status=$3 line plan='' n=0 failed=0 re_ok re_skip neg desc why
        re_ok='^(not )?ok [0-9]+( -)? ?(.*)$'
        re_skip='^(.*)# *[Ss][Kk][Ii][Pp]:? *(.*)$'
        while IFS= read -r line; do
                if [[ $line =~ ^1\.\.([0-9]+)(.*)$ ]]; then
                        plan=${BASH_REMATCH[1]}
                        [ "$plan" != 0 ] || skip "$name: ${BASH_REMATCH[2]#*# }"
                elif [[ $line =~ $re_ok ]]; then
                        n=$((n + 1))
                        neg=${BASH_REMATCH[1]} desc=${BASH_REMATCH[3]}
                        if [ -z "$neg" ] && [[ $desc =~ $re_skip ]]; then
                                skip "$name: ${BASH_REMATCH[1]% }: ${BASH_REMATCH[2]}"
                        elif [ -z "$neg" ]; then
                                pass "$name: $desc"
                        else
                                fail "$name: $desc"
                                failed=$((failed + 1))
                        fi
                elif [[ $line == "Bail out!"* ]]; then
                        fail "$name: ${line}"
                        failed=$((failed + 1))
                elif [[ $line == "#"* ]]; then
                        echo "$line"
                else
                        diag "$name: $line"
                fi
        done < "$file"
        why="exit status $status"
        [ "$status" -ne 124 ] || why="timed out after $SDHOST_TEST_TIMEOUT s"
        if [ -z "$plan" ]; then
                fail "$name: printed its plan ($why)"
        elif [ "$plan" != 0 ] && [ "$plan" != "$n" ]; then
                fail "$name: ran the $plan tests it planned (ran $n, $why)"
        elif [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
                fail "$name: $why without a failed test"
        fi
}

# sdhost_run_inside NAME: run $SDHOST_TESTS_DIR/NAME.sh in the systemd host and relay its TAP.
sdhost_run_inside() {
        local name=$1 file=$T/inside-$1.tap s t0
        diag "--- $name (in $SDHOST)"
        t0=$(now_s)
        timeout -k 10 "$SDHOST_TEST_TIMEOUT" "$top_builddir/sysctr" exec \
                ${SYSCTR_TEST_TRACE:+--env SYSCTR_TEST_TRACE=1} "$SDHOST" -- \
                "$SDHOST_TESTS_DIR/$name.sh" >"$file" 2>&1
        s=$?
        sdhost_relay "$name" "$file" "$s"
        diag "--- $name took $(elapsed_s "$t0") s"
}
