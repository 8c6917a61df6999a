#!/usr/bin/env bash
# Times the CS:APP C Rio algorithm (rio.c, built with cc -O2) next to
# rionet's readlineb / read_line_slice and std's read_until, all with 8 KiB
# buffers, over the same 256 MiB file of lines 1..=127 bytes on tmpfs; then
# read_line_slice against read_until again with 64 KiB buffers for both.
# Every reader runs once a round, for RUNS rounds (default 5); its best time
# counts.
#
# Usage: benches/c-rio/run.sh            (from anywhere in the repository)
#        RUNS=5 MIB=64 benches/c-rio/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-5}
mib=${MIB:-256}
dir=${TMPDIR_SHM:-/dev/shm}
work=$(mktemp -d "$dir/rionet-c-rio.XXXXXX")
trap 'rm -rf "$work"' EXIT

cc -O2 -Wall -Wextra -o "$work/rio" "$root/benches/c-rio/rio.c"
(cd "$root" && cargo build -q --release -p rionet-benches --example rio_file)
rust="$root/target/release/examples/rio_file"
"$rust" generate "$work/lines.txt" "$mib"

bytes=$(stat -c %s "$work/lines.txt")
expect="$(wc -l <"$work/lines.txt") $bytes"

# Runs one reader once; it prints "lines bytes seconds".
run_reader() {
    case $1 in
        c) "$work/rio" "$work/lines.txt" ;;
        readlineb) "$rust" readlineb "$work/lines.txt" ;;
        slice) "$rust" read_line_slice "$work/lines.txt" ;;
        std) "$rust" std_read_until "$work/lines.txt" ;;
        slice64) "$rust" read_line_slice "$work/lines.txt" 64 ;;
        std64) "$rust" std_read_until "$work/lines.txt" 64 ;;
    esac
}

# Each reader's best time over $runs rounds; a round runs every reader once,
# so a slow spell of the shared machine hits every reader alike rather than
# all the runs of one. Checks that every reader saw every line and byte.
declare -A best
for _ in $(seq "$runs"); do
    for name in c readlineb slice std slice64 std64; do
        read -r l b t <<<"$(run_reader "$name")"
        if [[ "$l $b" != "$expect" ]]; then
            echo "reader $name saw $l lines $b bytes, expected $expect" >&2
            exit 1
        fi
        if [[ -z ${best[$name]:-} ]] || awk "BEGIN{exit !($t < ${best[$name]})}"; then
            best[$name]=$t
        fi
    done
done
c=${best[c]} readlineb=${best[readlineb]} slice=${best[slice]} std=${best[std]}
slice64=${best[slice64]} std64=${best[std64]}

awk -v c="$c" -v r="$readlineb" -v s="$slice" -v u="$std" -v s64="$slice64" -v u64="$std64" -v n="$bytes" 'BEGIN {
    printf "%-28s %10s %10s  %s\n", "reader (8 KiB buffer)", "seconds", "MiB/s", "ratio"
    printf "%-28s %10.4f %10.0f  %s\n", "C rio_readlineb (cc -O2)", c, n / c / 1048576, "1.00x C"
    printf "%-28s %10.4f %10.0f  %.2fx C (target 3x)\n", "rionet readlineb", r, n / r / 1048576, c / r
    printf "%-28s %10.4f %10.0f  %.2fx C\n", "std read_until", u, n / u / 1048576, c / u
    printf "%-28s %10.4f %10.0f  %.2fx std (target 2x)\n", "rionet read_line_slice", s, n / s / 1048576, u / s
    printf "%-28s %10.4f %10.0f  %.2fx C\n", "std read_until, 64 KiB", u64, n / u64 / 1048576, c / u64
    printf "%-28s %10.4f %10.0f  %.2fx std 64 KiB (target 2x)\n", "read_line_slice, 64 KiB", s64, n / s64 / 1048576, u64 / s64
}'
