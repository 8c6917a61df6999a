#!/usr/bin/env bash
# Times the CS:APP C Rio algorithm (rio.c, built with cc -O2) next to
# rionet's readlineb / read_line_slice and std's read_until, all with 8 KiB
# buffers, over the same 256 MiB file of lines 1..=127 bytes on tmpfs; then
# read_line_slice against read_until again with 64 KiB buffers for both.
# Each reader runs RUNS times (default 3); the best time counts.
#
# Usage: benches/c-rio/run.sh            (from anywhere in the repository)
#        RUNS=5 MIB=64 benches/c-rio/run.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${RUNS:-3}
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

# best TIME over $runs runs of "$@" (each prints "lines bytes seconds");
# checks that every reader saw every line and byte of the file.
best() {
    local t best_t="" out
    for _ in $(seq "$runs"); do
        out=$("$@")
        read -r l b t <<<"$out"
        if [[ "$l $b" != "$expect" ]]; then
            echo "$* saw $l lines $b bytes, expected $expect" >&2
            exit 1
        fi
        if [[ -z $best_t ]] || awk "BEGIN{exit !($t < $best_t)}"; then best_t=$t; fi
    done
    echo "$best_t"
}

c=$(best "$work/rio" "$work/lines.txt")
readlineb=$(best "$rust" readlineb "$work/lines.txt")
slice=$(best "$rust" read_line_slice "$work/lines.txt")
std=$(best "$rust" std_read_until "$work/lines.txt")
slice64=$(best "$rust" read_line_slice "$work/lines.txt" 64)
std64=$(best "$rust" std_read_until "$work/lines.txt" 64)

awk -v c="$c" -v r="$readlineb" -v s="$slice" -v u="$std" -v s64="$slice64" -v u64="$std64" -v n="$bytes" 'BEGIN {
    printf "%-28s %10s %10s  %s\n", "reader (8 KiB buffer)", "seconds", "MiB/s", "ratio"
    printf "%-28s %10.4f %10.0f  %s\n", "C rio_readlineb (cc -O2)", c, n / c / 1048576, "1.00x C"
    printf "%-28s %10.4f %10.0f  %.2fx C (target 3x)\n", "rionet readlineb", r, n / r / 1048576, c / r
    printf "%-28s %10.4f %10.0f  %.2fx C\n", "std read_until", u, n / u / 1048576, c / u
    printf "%-28s %10.4f %10.0f  %.2fx std (target 2x)\n", "rionet read_line_slice", s, n / s / 1048576, u / s
    printf "%-28s %10.4f %10.0f  %.2fx C\n", "std read_until, 64 KiB", u64, n / u64 / 1048576, c / u64
    printf "%-28s %10.4f %10.0f  %.2fx std 64 KiB (target 2x)\n", "read_line_slice, 64 KiB", s64, n / s64 / 1048576, u64 / s64
}'
