#!/bin/sh
# sms-capture.sh - hwcloud.sms discovery capture, format SMSCAP/1 (see docs/capture.md).
#
#   sh sms-capture.sh > "$(hostname).smscap"        # as root for complete results
#   sh sms-capture.sh -t 5 -x 'nfs*,fuse*' > x.smscap
#
# Reads, in one pass, what the hwcloud.sms discovery parsers need (sysfs, /proc, release and
# boot files, blkid, LVM and Btrfs reports, ip, statfs of the mounts, a few sectors of the
# disks) and writes it as one framed text stream. Changes nothing on the host. POSIX sh
# (dash, bash, ksh, busybox ash); C locale; every command bounded by -t seconds (a watchdog;
# a command stuck in the kernel is abandoned, never waited for); mounts whose type matches -x are never touched (default: network, FUSE and
# pseudo file systems), so a dead NFS/FUSE server cannot hang it. A missing tool is recorded
# as missing and reported as a warning by the parser, never an error here.
#
# Options: -t SECONDS (per command, default 10)  -x GLOBS (comma-separated fstype globs not
# stat'ed; empty = none)  -h (this help).

LC_ALL_ORIG=${LC_ALL-}
LANG_ORIG=${LANG-}
LC_ALL=C
LANG=C
LANGUAGE=C
export LC_ALL LANG LANGUAGE
umask 077

T=10
X='nfs*,cifs,smb*,fuse*,ceph,glusterfs,9p,autofs,proc,sysfs,cgroup*,devpts,mqueue,debugfs,tracefs,securityfs,pstore,bpf,configfs,binfmt_misc,hugetlbfs,rpc_pipefs,nsfs,fusectl,efivarfs,selinuxfs,overlay,squashfs,devtmpfs'
while getopts t:x:h opt; do
    case $opt in
        t) T=$OPTARG ;;
        x) X=$OPTARG ;;
        *) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
case $T in ''|*[!0-9]*) T=10 ;; esac
[ "$T" -gt 0 ] || T=10

SEARCH_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
NL='
'

# -- framing ---------------------------------------------------------------------------------
# A record: "<nonce> B <kind> <key>" line, payload, newline, "<nonce> E <status>" line. The
# nonce is random per run, so no file content can forge a record boundary.
N=
if [ -r /dev/urandom ]; then
    # shellcheck disable=SC2046
    set -- $(od -An -N12 -tx4 /dev/urandom 2>/dev/null)
    N="$1$2$3"
fi
[ -n "$N" ] || N="nonce$$x$(date +%s 2>/dev/null)"
N="@$N"
printf 'SMSCAP/1 %s\n' "$N"

beg() { printf '%s B %s\n' "$N" "$*"; }
fin() { printf '\n%s E %s\n' "$N" "$1"; }
note() { beg warning; printf '%s' "$*"; fin 0; }

# The pid of this shell as the kernel knows it ($$ is also the parent's pid in a subshell, and
# some shells run the EXIT trap in subshells): only this process removes the work directory.
MAIN_PID=$$
[ -r /proc/self/stat ] && read -r MAIN_PID _rest </proc/self/stat
WORK=
cleanup() {
    _me=$MAIN_PID
    [ -r /proc/self/stat ] && read -r _me _rest </proc/self/stat
    [ "$_me" = "$MAIN_PID" ] && [ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM HUP
WORK=$(mktemp -d 2>/dev/null) || {
    WORK="${TMPDIR:-/tmp}/sms-capture.$$"
    mkdir -m 700 "$WORK" 2>/dev/null || WORK=
}

# Copy a file to stdout with shell builtins only (no process); lines end with a newline.
copy_lines() {
    _l=
    while IFS= read -r _l || [ -n "$_l" ]; do
        printf '%s\n' "$_l"
        _l=
    done
}

# rd PATH...: text files (sysfs attributes, /etc files) read without a process.
ABSENT=
rd() {
    for _f in "$@"; do
        [ -f "$_f" ] || { ABSENT="$ABSENT$NL$_f"; continue; }
        { beg "file $_f"; copy_lines; fin 0; } 2>/dev/null <"$_f"
    done
}

# rd_attr PATH...: like rd for sysfs attributes of a directory listed with ls_dir (an absent one
# is known absent from that listing): no test, no bookkeeping, the open itself decides.
rd_attr() {
    for _f in "$@"; do
        { beg "file $_f"; copy_lines; fin 0; } 2>/dev/null <"$_f"
    done
}

# cat_file PATH...: exact copy (NUL bytes, no trailing newline kept), one cat per file.
cat_file() {
    for _f in "$@"; do
        [ -f "$_f" ] || { ABSENT="$ABSENT$NL$_f"; continue; }
        [ -r "$_f" ] || continue
        beg "file $_f"
        cat -- "$_f" 2>/dev/null
        fin $?
    done
}

# ls_dir DIR...: directory listing (names only) of each existing directory.
ls_dir() {
    for _d in "$@"; do
        [ -d "$_d" ] || { [ -e "$_d" ] || ABSENT="$ABSENT$NL$_d"; continue; }
        beg "dir $_d"
        for _e in "$_d"/* "$_d"/.[!.]* "$_d"/..?*; do
            if [ -e "$_e" ] || [ -h "$_e" ]; then
                printf '%s\n' "${_e##*/}"
            fi
        done
        fin 0
    done
}

# stat_paths PATH...: "d PATH", "f PATH", "o PATH" (other) or "- PATH" (absent) per path.
stat_paths() {
    beg stat
    for _p in "$@"; do
        if [ -d "$_p" ]; then _t=d; elif [ -f "$_p" ]; then _t=f; elif [ -e "$_p" ]; then _t=o; else _t=-; fi
        printf '%s %s\n' "$_t" "$_p"
    done
    fin 0
}

# lookup NAME: sets FOUND to the absolute path of an executable on PATH or the sbin dirs.
lookup() {
    FOUND=
    _ifs=$IFS
    IFS=:
    for _dir in $PATH:$SEARCH_PATH; do
        [ -n "$_dir" ] || continue
        if [ -f "$_dir/$1" ] && [ -x "$_dir/$1" ]; then
            FOUND="$_dir/$1"
            break
        fi
    done
    IFS=$_ifs
}

which_record() {
    for _n in "$@"; do
        lookup "$_n"
        beg "which $_n"
        printf '%s' "$FOUND"
        fin 0
    done
}

# Bounded execution: OUT and ERR are files, so a command stuck in the kernel (a statfs on a
# dead FUSE or NFS server cannot even be killed) holds no pipe of ours. A watchdog signals this
# shell after -t seconds: "wait" returns at once (POSIX), the command is killed if it can be
# and abandoned if it cannot; timeout(1) is not used because it waits for its child.
SELF=$MAIN_PID
TIMED_OUT=
trap 'TIMED_OUT=1' USR1
bounded() {
    _out=$1
    _err=$2
    shift 2
    TIMED_OUT=
    "$@" >"$_out" 2>"$_err" </dev/null &
    _pid=$!
    ( sleep "$T"; kill -USR1 "$SELF"; kill -9 "$_pid" ) >/dev/null 2>&1 </dev/null &
    _dog=$!
    wait "$_pid"
    _rc=$?
    if [ -n "$TIMED_OUT" ]; then
        _rc=137
    else
        kill "$_dog" 2>/dev/null
    fi
    return $_rc
}

# end a command record: "timeout" when the command was abandoned, else its exit code
fin_rc() {
    if [ -n "$TIMED_OUT" ]; then fin timeout; else fin "$1"; fi
}

OUT=/dev/null
ERR=/dev/null
if [ -n "$WORK" ]; then
    OUT=$WORK/out
    ERR=$WORK/err
else
    note "no writable temporary directory: command output not captured"
fi

# run ARGV...: "cmd" record (argc, argv lines, stdout; status = exit code, timeout or missing),
# followed by a "stderr" record.
run() {
    lookup "$1"
    beg "cmd $#"
    printf '%s\n' "$@"
    if [ -z "$FOUND" ]; then
        fin missing
        return 127
    fi
    _bin=$FOUND
    shift
    bounded "$OUT" "$ERR" "$_bin" "$@"
    _rc=$?
    [ "$OUT" = /dev/null ] || cat "$OUT"
    fin_rc $_rc
    beg stderr
    [ "$ERR" = /dev/null ] || copy_lines <"$ERR"
    fin 0
    return $_rc
}

# hex PATH OFFSET LENGTH: bytes of a file or device as od hex (binary safe), bounded.
hex() {
    beg "hex $2 $3 $1"
    bounded "$OUT" /dev/null od -An -v -tx1 -j "$2" -N "$3" "$1"
    _rc=$?
    [ "$OUT" = /dev/null ] || cat "$OUT"
    fin_rc $_rc
}

# -- host ------------------------------------------------------------------------------------
EUID_=$(id -u 2>/dev/null)
beg "meta"
printf 'format=1\n'
printf 'timeout=%s\n' "$T"
printf 'exclude_fstypes=%s\n' "$X"
printf 'euid=%s\n' "$EUID_"
printf 'machine=%s\n' "$(uname -m 2>/dev/null)"
printf 'LANG=%s\n' "$LANG_ORIG"
printf 'LC_ALL=%s\n' "$LC_ALL_ORIG"
fin 0
rd /proc/sys/kernel/hostname /proc/sys/kernel/osrelease /proc/sys/kernel/version
if [ ! -r /proc/sys/kernel/hostname ]; then
    beg uname; printf '%s\n%s\n%s\n' "$(uname -n)" "$(uname -r)" "$(uname -v)"; fin 0
fi

which_record rsync tc btrfs lvm blkid ip grub2-install grub-install parted sgdisk grub2-probe grub-probe

# -- system, platform --------------------------------------------------------------------------
rd /etc/os-release /usr/lib/os-release /etc/oracle-release /etc/enterprise-release /etc/centos-release \
    /etc/redhat-release /etc/SuSE-release /etc/lsb-release /etc/debian_version /etc/.productinfo \
    /etc/locale.conf /etc/default/locale /etc/sysconfig/language /etc/hosts \
    /sys/devices/system/cpu/online /run/systemd/container /sys/hypervisor/type /sys/hypervisor/uuid \
    /sys/hypervisor/guest_type /proc/xen/capabilities /etc/sysconfig/bootloader
cat_file /proc/meminfo /proc/cpuinfo /proc/1/environ /proc/1/cgroup
if [ ! -r /sys/devices/system/cpu/online ]; then
    beg nprocessors; getconf _NPROCESSORS_ONLN 2>/dev/null; fin $?
fi
ls_dir /sys/class/dmi/id
for _f in sys_vendor product_name product_version product_uuid bios_vendor bios_version \
    chassis_asset_tag chassis_vendor board_vendor product_serial; do
    rd "/sys/class/dmi/id/$_f"
done
stat_paths /run/.containerenv /.dockerenv /proc/xen /var/lib/hyperv/.kvp_pool_3 /proc/vz /proc/bc/0 \
    /sys/devices/virtual/misc/kvm /sys/class/dmi/id /sys/firmware/efi /boot /tmp

# -- network -----------------------------------------------------------------------------------
ls_dir /sys/class/net
LINKS=
for _i in /sys/class/net/*; do
    [ -e "$_i" ] || continue
    ls_dir "$_i"
    rd_attr "$_i/tun_flags" "$_i/type" "$_i/uevent" "$_i/ifindex" "$_i/iflink" "$_i/address" "$_i/mtu" \
        "$_i/operstate"
    LINKS="$LINKS$NL$_i/device$NL$_i/device/driver$NL$_i/master"
done
lookup ip
if [ -n "$FOUND" ]; then
    run ip -o addr show
    run ip -4 route show table all
    run ip -6 route show table all
fi
cat_file /proc/net/if_inet6 /proc/net/route /proc/net/ipv6_route

# -- block devices -----------------------------------------------------------------------------
ls_dir /sys/block /sys/dev/block /sys/class/block /dev /dev/mapper /sys/fs/btrfs
PROBE_FIRST=
PROBE_REST=
DISKS=
for _b in /sys/block/*; do
    [ -e "$_b" ] || continue
    _n=${_b##*/}
    ls_dir "$_b" "$_b/holders" "$_b/slaves"
    rd_attr "$_b/size" "$_b/dev" "$_b/queue/logical_block_size" "$_b/queue/physical_block_size" \
        "$_b/queue/rotational" "$_b/removable" "$_b/ro" "$_b/serial"
    [ -d "$_b/device" ] && ls_dir "$_b/device" && rd_attr "$_b/device/model" "$_b/device/vendor" \
        "$_b/device/serial" "$_b/device/wwid"
    [ -d "$_b/dm" ] && ls_dir "$_b/dm" && rd_attr "$_b/dm/name" "$_b/dm/uuid"
    [ -d "$_b/md" ] && ls_dir "$_b/md" && rd_attr "$_b/md/level"
    [ -f "$_b/device/vpd_pg80" ] && hex "$_b/device/vpd_pg80" 0 255
    _parts=
    for _p in "$_b/$_n"*; do
        [ -f "$_p/partition" ] || continue
        ls_dir "$_p" "$_p/holders"
        rd_attr "$_p/partition" "$_p/start" "$_p/size" "$_p/dev" "$_p/ro"
        _parts="$_parts /dev/${_p##*/}"
    done
    read -r _size 2>/dev/null <"$_b/size" || _size=0
    [ "${_size:-0}" != 0 ] || continue
    if [ -n "$_parts" ]; then
        PROBE_FIRST="$PROBE_FIRST /dev/$_n$_parts"
    else
        PROBE_REST="$PROBE_REST /dev/$_n"
    fi
    [ -d "$_b/dm" ] || [ -f "$_b/partition" ] || DISKS="$DISKS /dev/$_n"
done

# -- mounts ------------------------------------------------------------------------------------
cat_file /proc/self/mountinfo /proc/swaps
# Mount points to statfs (the last mount on each path, type not excluded), Btrfs mounts (one per
# file system: its top level's if mounted, else the first) and /dev mount sources to resolve.
STATFS=
BOOT_MOUNTS=
BTRFS_MOUNTS=
SOURCES=
excluded() {
    _ifs=$IFS
    IFS=,
    set -f
    for _g in $X; do
        # shellcheck disable=SC2254
        case $1 in $_g) IFS=$_ifs; set +f; return 0 ;; esac
    done
    IFS=$_ifs
    set +f
    return 1
}
unescape() {
    case $1 in
        *\\*) printf '%s' "$1" | sed 's/\\\([0-7][0-7][0-7]\)/\\0\1/g' | { IFS= read -r _u; printf '%b' "$_u"; } ;;
        *) printf '%s' "$1" ;;
    esac
}
if [ -r /proc/self/mountinfo ]; then
    REVERSED=
    while IFS= read -r _line; do
        REVERSED="$_line$NL$REVERSED"
    done </proc/self/mountinfo
    SEEN="$NL"
    while IFS=' ' read -r _id _parent _mm _root _mp _rest; do
        [ -n "$_mp" ] || continue
        _after=${_rest#* - }
        _fstype=${_after%% *}
        _after=${_after#* }
        _source=${_after%% *}
        _super=${_after#* }
        case $SEEN in *"$NL$_mp$NL"*) _top=no ;; *) _top=yes; SEEN="$SEEN$_mp$NL" ;; esac
        case $_source in /dev/*) SOURCES="$SOURCES$NL$(unescape "$_source")" ;; esac
        if [ "$_fstype" = btrfs ]; then
            case $_super in *subvolid=5,*|*subvolid=5) _rank=0 ;; *) _rank=1 ;; esac
            BTRFS_MOUNTS="$_mm $_rank $(unescape "$_mp")$NL$BTRFS_MOUNTS"
        fi
        case $_mp in /|/boot) [ "$_top" = yes ] && BOOT_MOUNTS="$BOOT_MOUNTS$NL$_mp $_mm $_source" ;; esac
        excluded "$_fstype" && continue
        [ "$_top" = yes ] && STATFS="$(unescape "$_mp")$NL$STATFS"
    done <<EOF
$REVERSED
EOF
fi

# statfs of every chosen mount point, resumed after one that hangs (abandoned, never asked again).
# one stat(1) per mount point, so that each answer is on disk before the next one is asked
statfs_each() {
    for _m in "$@"; do
        "$STAT" -f -c '%S %s %b %f %a %c %d %l %n' "$_m" 2>/dev/null || printf -- '- %s\n' "$_m"
    done
}
statfs_all() {
    lookup stat
    STAT=$FOUND
    if [ -z "$FOUND" ]; then
        note "stat command missing: no file-system usage"
        return
    fi
    while [ $# -gt 0 ]; do
        beg "statfs $#"
        printf '%s\n' "$@"
        bounded "$OUT" /dev/null statfs_each "$@"
        _rc=$?
        _done=0
        if [ "$OUT" != /dev/null ]; then
            while IFS= read -r _l; do
                printf '%s\n' "$_l"
                _done=$((_done + 1))
            done <"$OUT"
        fi
        fin_rc $_rc
        [ -n "$TIMED_OUT" ] || break
        [ "$_done" -lt $# ] || break
        shift $((_done + 1))
    done
}
_ifs=$IFS
IFS=$NL
set -f
# shellcheck disable=SC2086
set -- $STATFS
set +f
IFS=$_ifs
[ $# -gt 0 ] && statfs_all "$@"

# -- symlinks (sysfs aliases, /dev names) --------------------------------------------------------
_ifs=$IFS
IFS=$NL
set -f
# shellcheck disable=SC2086
set -- $LINKS $SOURCES
set +f
IFS=$_ifs
beg links
ls -l /sys/block /sys/dev/block /sys/class/block /sys/class/net /dev/mapper 2>/dev/null
for _v in /dev/*/; do
    [ -d "$_v" ] || continue
    [ -h "${_v%/}" ] && continue
    case $_v in /dev/mapper/|/dev/disk/|/dev/char/|/dev/block/|/dev/pts/|/dev/shm/|/dev/bus/|/dev/input/|/dev/snd/|/dev/net/|/dev/dri/|/dev/cpu/|/dev/fd/|/dev/hugepages/|/dev/mqueue/) continue ;; esac
    set -- "$@" "$_v"*
done
[ $# -gt 0 ] && ls -ld "$@" 2>/dev/null
fin 0

# -- blkid, superblocks, first sectors -------------------------------------------------------------
FS_EXT=
FS_XFS=
FS_BTRFS=
PROBED=
probe_all() {
    lookup blkid
    [ -n "$FOUND" ] || { run blkid; return; }
    while [ $# -gt 0 ]; do
        if [ -z "$WORK" ]; then
            run blkid -p -o export "$@"
            return
        fi
        run blkid -p -o export "$@" >"$WORK/blkid.rec"
        _rc=$?
        # replay the record and note the devices reported (and their file-system types)
        _reported="$NL"
        _dev=
        while IFS= read -r _l; do
            printf '%s\n' "$_l"
            case $_l in
                DEVNAME=*) _dev=${_l#DEVNAME=}; _reported="$_reported$_dev$NL"; PROBED="$PROBED $_dev" ;;
                TYPE=ext2|TYPE=ext3|TYPE=ext4|TYPE=ext4dev) FS_EXT="$FS_EXT $_dev" ;;
                TYPE=xfs) FS_XFS="$FS_XFS $_dev" ;;
                TYPE=btrfs) FS_BTRFS="$FS_BTRFS $_dev" ;;
            esac
        done <"$WORK/blkid.rec"
        case $_rc in 2|8) ;; *) break ;; esac
        # blkid stops at the first device it cannot report: resume after it
        while [ $# -gt 0 ]; do
            case $_reported in *"$NL$1$NL"*) shift ;; *) break ;; esac
        done
        [ $# -gt 0 ] && shift
        if [ "$EUID_" != 0 ] && grep -q 'Permission denied' "$ERR" 2>/dev/null; then
            break
        fi
    done
}
# shellcheck disable=SC2086
probe_all $PROBE_FIRST $PROBE_REST

# the disks under a block device (kernel name): partition -> its disk, dm/md -> their slaves
disks_of() {
    [ "$2" -lt 8 ] && [ -e "/sys/class/block/$1" ] || return 0
    if [ -e "/sys/class/block/$1/partition" ]; then
        _up=$(cd -P "/sys/class/block/$1/.." 2>/dev/null && printf '%s' "${PWD##*/}")
        [ -n "$_up" ] && disks_of "$_up" $(($2 + 1))
        return 0
    fi
    _any=
    for _s in "/sys/class/block/$1/slaves/"*; do
        [ -e "$_s" ] || continue
        _any=1
        disks_of "${_s##*/}" $(($2 + 1))
    done
    [ -n "$_any" ] || BOOT_DISKS="$BOOT_DISKS /dev/$1"
}
# BOOT_DISKS: the disks holding /boot, else /
boot_disks() {
    BOOT_DISKS=
    _pick=
    while IFS=' ' read -r _mp _mm _src; do
        [ -n "$_mp" ] || continue
        if [ "$_mp" = /boot ] || [ -z "$_pick" ]; then _pick="$_mm $_src"; fi
    done <<EOF
$BOOT_MOUNTS
EOF
    [ -n "$_pick" ] || return 0
    _mm=${_pick%% *}
    _src=${_pick#* }
    _name=
    case $_mm in
        0:*) case $_src in /dev/*) [ -h "$_src" ] || _name=${_src##*/} ;; esac ;;
        *) [ -e "/sys/dev/block/$_mm" ] && _name=$(cd -P "/sys/dev/block/$_mm" 2>/dev/null && printf '%s' "${PWD##*/}") ;;
    esac
    [ -n "$_name" ] && disks_of "$_name" 0
}

if [ "$EUID_" = 0 ]; then
    for _d in $FS_EXT; do hex "$_d" 1024 1024; done
    for _d in $FS_XFS; do hex "$_d" 0 512; done
    for _d in $FS_BTRFS; do hex "$_d" 65536 4096; done
    # first sectors: partition tables without blkid, and boot-loader signatures when no boot
    # loader file says which one is installed
    NEED_MBR=yes
    for _f in /boot/grub2/grub.cfg /boot/grub/grub.cfg /boot/grub/menu.lst /boot/grub/grub.conf \
        /boot/loader/loader.conf /boot/efi/loader/loader.conf /efi/loader/loader.conf /etc/lilo.conf \
        /boot/loader/entries /etc/sysconfig/bootloader; do
        [ -e "$_f" ] && NEED_MBR=no
    done
    [ "$NEED_MBR" = yes ] && boot_disks
    for _d in $DISKS; do
        case " $PROBED " in *" $_d "*)
            case " $BOOT_DISKS " in *" $_d "*) [ "$NEED_MBR" = yes ] || continue ;; *) continue ;; esac ;;
        esac
        _sector=512
        read -r _sector 2>/dev/null <"/sys/block/${_d#/dev/}/queue/logical_block_size"
        hex "$_d" 0 $((2 * ${_sector:-512}))
    done
fi

# -- boot files, EFI -----------------------------------------------------------------------------
stat_paths /boot/grub2/grub.cfg /boot/grub/grub.cfg /boot/grub/menu.lst /boot/grub/grub.conf \
    /boot/loader/loader.conf /boot/efi/loader/loader.conf /efi/loader/loader.conf /etc/lilo.conf \
    /boot/loader/entries /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c \
    /sys/firmware/efi/vars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c/data
for _esp in /boot/efi /boot /efi; do
    ls_dir "$_esp/EFI"
    for _v in "$_esp"/EFI/*/; do
        [ -d "$_v" ] && ls_dir "${_v%/}"
    done
done
for _f in /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c \
    /sys/firmware/efi/vars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c/data; do
    [ -e "$_f" ] && hex "$_f" 0 8
done

# -- LVM (the three reports side by side) ------------------------------------------------------------
# background_run FILE ARGV...: "run" in a background subshell writing its records to FILE; the
# subshell learns its own pid from /proc/self/stat so that its watchdog signals it, not us.
background_run() {
    _file=$1
    shift
    (
        trap 'TIMED_OUT=1' USR1
        read -r SELF _rest </proc/self/stat
        OUT=$_file.out
        ERR=$_file.err
        run "$@" >"$_file"
    ) &
}
lookup lvm
if [ -n "$FOUND" ]; then
    _c='--noheadings --nosuffix --units b --nameprefixes -o'
    _pvs="pv_name,vg_name,vg_uuid,pv_size,pv_free,pv_uuid,pv_fmt,dev_size"
    _vgs="vg_name,vg_uuid,vg_size,vg_free,vg_extent_size,pv_count,lv_count,vg_attr"
    _lvs="vg_name,vg_uuid,lv_name,lv_uuid,lv_size,segtype,pool_lv,lv_attr,lv_kernel_major,lv_kernel_minor,devices,lv_path"
    if [ -n "$WORK" ] && [ -r /proc/self/stat ]; then
        # shellcheck disable=SC2086
        background_run "$WORK/lvm1" lvm pvs $_c "$_pvs"
        _p1=$!
        # shellcheck disable=SC2086
        background_run "$WORK/lvm2" lvm vgs $_c "$_vgs"
        _p2=$!
        # shellcheck disable=SC2086
        background_run "$WORK/lvm3" lvm lvs -a $_c "$_lvs"
        _p3=$!
        wait "$_p1" "$_p2" "$_p3"
        cat "$WORK/lvm1" "$WORK/lvm2" "$WORK/lvm3"
    else
        # shellcheck disable=SC2086
        run lvm pvs $_c "$_pvs"
        # shellcheck disable=SC2086
        run lvm vgs $_c "$_vgs"
        # shellcheck disable=SC2086
        run lvm lvs -a $_c "$_lvs"
    fi
fi

# -- Btrfs -------------------------------------------------------------------------------------------
for _fs in /sys/fs/btrfs/*; do
    [ -d "$_fs/devices" ] || { ABSENT="$ABSENT$NL$_fs/devices"; continue; }
    ls_dir "$_fs" "$_fs/devices"
    rd "$_fs/label" "$_fs/nodesize" "$_fs/sectorsize"
done
lookup btrfs
if [ -n "$FOUND" ] && { [ -n "$FS_BTRFS" ] || [ -n "$BTRFS_MOUNTS" ] || [ -d /sys/fs/btrfs ]; }; then
    run btrfs filesystem show --raw || run btrfs filesystem show
    CHOSEN="$NL"
    for _rank in 0 1; do
        while IFS=' ' read -r _mm _r _mp; do
            [ -n "$_mm" ] || continue
            [ "$_r" = "$_rank" ] || continue
            case $CHOSEN in *"$NL$_mm$NL"*) continue ;; esac
            CHOSEN="$CHOSEN$_mm$NL"
            run btrfs filesystem df --raw "$_mp" || run btrfs filesystem df -b "$_mp" \
                || run btrfs filesystem df "$_mp"
            run btrfs subvolume list -puq "$_mp" && run btrfs subvolume list -s "$_mp"
            run btrfs subvolume get-default "$_mp"
        done <<EOF
$BTRFS_MOUNTS
EOF
    done
fi

# paths looked for and not found
beg stat
_ifs=$IFS
IFS=$NL
set -f
for _p in $ABSENT; do
    printf -- '- %s\n' "$_p"
done
set +f
IFS=$_ifs
fin 0

beg end
fin 0
