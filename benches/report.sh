#!/usr/bin/env bash
# Runs the framing and rio criterion benches once (short runs, one at a
# time), the loopback streams and ping-pong in turns, and
# benches/c-rio/run.sh, then rewrites the table between the perf-table
# markers in README.md: each row rionet's figure, its peer's (or the
# physical limit's), the ratio, and the target of issue 11. A figure is the
# fastest criterion sample, the most stable number on a shared machine for
# work on one core. The loopback streams (two threads and the kernel) swing
# too much for that: their rows come from benches/loopback/paired.rs, the
# median of ratios taken round by round, with the quartiles beside it (the
# ping-pong pinned to one CPU, where every wake-up costs the same).
#
# Usage: benches/report.sh              run everything, then rewrite README
#        benches/report.sh --no-run     rewrite README from the last run
#        NO_C=1 benches/report.sh       leave the C Rio row out
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
crio="$target/c-rio.txt"
paired="$target/loopback-paired.txt"

if [[ ${1:-} != --no-run ]]; then
    cd "$root"
    for bench in framing rio; do
        cargo bench -q -p rionet-benches --bench "$bench" -- \
            --warm-up-time 1 --measurement-time 3 --noplot
    done
    cargo bench -q -p rionet-benches --bench loopback_paired -- streams | tee "$paired"
    # One CPU for the ping-pong: see benches/loopback/paired.rs.
    taskset -c 0 cargo bench -q -p rionet-benches --bench loopback_paired -- pingpong |
        tee -a "$paired"
    if [[ -z ${NO_C:-} ]]; then
        benches/c-rio/run.sh | tee "$crio"
    else
        rm -f "$crio"
    fi
fi

python3 - "$target/criterion" "$crio" "$paired" "$root/README.md" <<'PY'
import json, os, re, sys

crit, crio, paired, readme = sys.argv[1:]

def ns(path):
    """Time per iteration, ns, of one criterion benchmark's fastest sample:
    on a shared machine the other samples measure the neighbours too."""
    with open(os.path.join(crit, path, "new", "sample.json")) as f:
        sample = json.load(f)
    return min(t / i for t, i in zip(sample["times"], sample["iters"]))

def bytes_per_iter(path):
    with open(os.path.join(crit, path, "new", "benchmark.json")) as f:
        tp = json.load(f).get("throughput") or {}
    return tp.get("Bytes")

def speed(path):
    n = bytes_per_iter(path)
    return n / ns(path)  # bytes per ns = GB/s

def gbs(path):
    return f"{speed(path):.2f} GB/s"

rows = []

def tput(work, ours, peer, peer_name, target):
    """A throughput row: ratio is ours / peer's speed."""
    try:
        ratio = ns(peer) / ns(ours)
        rows.append((work, gbs(ours), f"{gbs(peer)} {peer_name}", ratio, target))
    except FileNotFoundError:
        rows.append((work, "not run", "", None, target))

def fmt_ratio(r, pct):
    if r is None:
        return "-"
    if isinstance(r, str):
        return r
    return f"{r * 100:.0f}%" if pct else f"{r:.2f}×"

tput("`Lines` decode, 1..127 B lines", "lines_decode/rionet_Lines",
     "lines_decode/tokio_util_LinesCodec", "`LinesCodec`", "≥ 2×")
tput("`Lines` decode borrowed, 1..127 B lines", "lines_decode/rionet_Lines_borrowed",
     "lines_decode/memchr_count", "memchr count", "≥ 50%")
tput("`Lines` decode borrowed in place, 1..127 B lines", "lines_decode/rionet_Lines_in_place",
     "lines_decode/memchr_count", "memchr count", "≥ 50%")
tput("`Lines` `decode_slices` in place, 1..127 B lines", "lines_decode/rionet_Lines_in_place_batch",
     "lines_decode/memchr_count", "memchr count", "≥ 50%")
tput("`Lines` decode borrowed, 1..127 B lines", "lines_decode/rionet_Lines_borrowed",
     "lines_decode/tokio_util_LinesCodec", "`LinesCodec`", "≥ 1×")
tput("`Lines` decode borrowed, 1..127 B lines", "lines_decode/rionet_Lines_borrowed",
     "lines_decode/feed_memchr_count", "memchr count of the same chunked copy", "")
tput("`Delimited` any of `,;\\n`", "delimiter_decode_any_of_3/rionet_Delimited",
     "delimiter_decode_any_of_3/tokio_util_AnyDelimiterCodec",
     "`AnyDelimiterCodec`", "≥ 1×")
tput("`Lines::crlf()` decode", "delimiter_decode_crlf/rionet_Lines_crlf",
     "delimiter_decode_crlf/tokio_util_LinesCodec", "`LinesCodec`", "≥ 1×")
tput("`Lines::crlf()` decode borrowed", "delimiter_decode_crlf/rionet_Lines_crlf_borrowed",
     "delimiter_decode_crlf/tokio_util_LinesCodec", "`LinesCodec`", "≥ 1×")
for size, label, target in [(16, "16 B", "≥ 1.5×"), (256, "256 B", "≥ 1.5×"),
                            (4096, "4 KiB", "≥ 1×"), (65536, "64 KiB", "≥ 1×")]:
    tput(f"length-prefix decode, {label}", f"length_decode/rionet/{size}",
         f"length_decode/tokio-util/{size}", "tokio-util", target)
for size, label, target in [(16, "16 B", "≥ 3×"), (256, "256 B", "≥ 3×"),
                            (4096, "4 KiB", "≥ 1×"), (65536, "64 KiB", "≥ 1×")]:
    tput(f"length-prefix decode borrowed, {label}", f"length_decode/rionet_borrowed/{size}",
         f"length_decode/tokio-util/{size}", "tokio-util", target)
tput("length-prefix decode, 64 KiB", "length_decode/rionet/65536",
     "length_decode/copy/65536", "copy", "")
for size, label in [(16, "16 B"), (256, "256 B"), (4096, "4 KiB"), (65536, "64 KiB")]:
    tput(f"length-prefix encode `Bytes`, {label}", f"length_encode/rionet/{size}",
         f"length_encode/tokio-util/{size}", "tokio-util", "≥ 1×")
for size, label in [(16, "16 B"), (256, "256 B")]:
    tput(f"length-prefix encode `&[u8]`, {label}", f"length_encode/rionet_slice/{size}",
         f"length_encode/tokio-util/{size}", "tokio-util (`Bytes`)", "≥ 1×")
tput("`read_line_slice`, memory", "rio_lines/read_line_slice/memory",
     "rio_lines/std_read_until/memory", "std `read_until`", "≥ 2×")
tput("`read_line_slice`, file", "rio_lines/read_line_slice/file",
     "rio_lines/std_read_until/file", "std `read_until`", "≥ 2×")
tput("`readlineb`, memory", "rio_lines/readlineb/memory",
     "rio_lines/std_read_until/memory", "std `read_until`", "")
tput("`read_line_slice`, memory", "rio_lines/read_line_slice/memory",
     "rio_lines/memchr_count/memory", "memchr count", "")

if os.path.exists(crio):
    with open(crio) as f:
        text = f.read()
    secs = {}
    for line in text.splitlines():
        m = re.match(r"(C rio_readlineb|rionet readlineb|rionet read_line_slice|std read_until)\s.*?\s([0-9.]+)\s+([0-9]+)\s", line)
        if m:
            secs[m.group(1)] = (float(m.group(2)), int(m.group(3)))
    if "C rio_readlineb" in secs and "rionet readlineb" in secs:
        c, r = secs["C rio_readlineb"], secs["rionet readlineb"]
        rows.append(("`readlineb`, 256 MiB tmpfs file", f"{r[1]} MiB/s",
                     f"{c[1]} MiB/s C Rio (`cc -O2`)", c[0] / r[0], "≥ 3×"))
    if "std read_until" in secs and "rionet read_line_slice" in secs:
        u, s = secs["std read_until"], secs["rionet read_line_slice"]
        rows.append(("`read_line_slice`, 256 MiB tmpfs file", f"{s[1]} MiB/s",
                     f"{u[1]} MiB/s std `read_until`", u[0] / s[0], "≥ 2×"))

# `raw` is the byte-stream limit; `raw-messages` writes and walks the same
# messages by hand (benches/loopback/streams.rs), the per-message work any
# framing does. `rionet_borrowed` reads the same frames with
# `read_frame_slice`. Figures: each stream's median round; the ratio is the
# median of the rounds' ratios, [first quartile, third].
streams, ratios, pings = {}, {}, {}
if os.path.exists(paired):
    with open(paired) as f:
        for line in f:
            w = line.split()
            if w[:1] == ["stream"]:
                streams[(int(w[1]), w[2])] = int(w[6]) / float(w[4])  # GB/s
            elif w[:1] == ["ratio"]:
                ratios[(int(w[1]), w[2], w[3])] = (float(w[5]), float(w[7]), float(w[9]))
            elif w[:1] == ["pingpong"]:
                pings[w[1]] = float(w[3])
            elif w[:1] == ["latency"]:
                pings["ratio"] = (float(w[4]), float(w[6]), float(w[8]))
for ours, kind, size, label, peer, name, target in [
        ("rionet", "", 65536, "64 KiB", "raw", "raw", "≥ 90%"),
        ("rionet", "", 64, "64 B", "raw-messages", "raw, message by message", "≥ 60%"),
        ("rionet", "", 64, "64 B", "raw", "raw byte stream", ""),
        ("rionet_borrowed", " borrowed", 65536, "64 KiB", "raw", "raw", "≥ 90%"),
        ("rionet_borrowed", " borrowed", 64, "64 B", "raw-messages",
         "raw, message by message", "≥ 60%")]:
    work = f"loopback stream{kind}, {label} frames"
    if (size, ours, peer) not in ratios:
        rows.append((work, "not run", "", None, target))
        continue
    median, q1, q3 = ratios[(size, ours, peer)]
    rows.append((work, f"{streams[(size, ours)]:.2f} GB/s",
                 f"{streams[(size, peer)]:.2f} GB/s {name}",
                 f"{median * 100:.0f}% [{q1 * 100:.0f}–{q3 * 100:.0f}%]", target))

if "ratio" in pings:
    median, q1, q3 = pings["ratio"]
    rows.append(("loopback ping-pong, 64 B (latency, one CPU)",
                 f"{pings['rionet'] / 1000:.1f} µs", f"{pings['raw'] / 1000:.1f} µs raw echo",
                 f"{median:.2f}× [{q1:.2f}–{q3:.2f}×]", "≤ 1.1×"))
else:
    rows.append(("loopback ping-pong, 64 B (latency)", "not run", "", None, "≤ 1.1×"))

# Asserted by tests/frame_memory.rs (a counting allocator), not timed.
rows.append(("`FrameReader` peak buffer, one 8 MiB frame in 64 KiB reads",
             "10.0 MiB (1.25× + 45 B)", "16 MiB before (2×)", None,
             "≤ 1.25× + 64 KiB"))

lines = ["| work | rionet | peer or limit | ratio | target |", "|---|---|---|---|---|"]
for row in rows:
    work, ours, peer, ratio, target = row[:5]
    pct = len(row) > 5 or "memchr" in peer or "copy" in peer
    lines.append(f"| {work} | {ours} | {peer} | {fmt_ratio(ratio, pct)} | {target} |")
table = "\n".join(lines)

with open(readme) as f:
    text = f.read()
begin, end = "<!-- perf-table:begin -->", "<!-- perf-table:end -->"
if begin not in text or end not in text:
    sys.exit(f"{readme}: no {begin} ... {end} markers")
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
with open(readme, "w") as f:
    f.write(f"{head}{begin}\n{table}\n{end}{tail}")
print(table)
PY
