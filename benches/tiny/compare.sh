#!/usr/bin/env bash
# Tiny against nginx, side by side on this machine, loopback only.
#
#     bash benches/tiny/compare.sh            # needs nginx and ab (apache2-utils)
#     RUNS=5 CONCURRENCY=100 bash benches/tiny/compare.sh
#
# Builds Tiny (release), writes the same two files (1 KiB, 1 MiB) into a
# temporary root, starts Tiny and an nginx bound to 127.0.0.1 only (its own
# config, pid and logs in the temporary directory, access log off, sendfile
# on), then runs `ab -k` (keep-alive) against each in turn, RUNS times,
# alternating, and prints the best requests/s for 1 KiB and bytes/s for
# 1 MiB, with Tiny's ratio to nginx. ab shares the 2 cores with the server
# under test, as it would for any loopback benchmark.
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-50}
REQUESTS_1K=${REQUESTS_1K:-50000}
REQUESTS_1M=${REQUESTS_1M:-2000}

for tool in nginx ab; do
  if ! command -v "$tool" >/dev/null 2>&1 && ! [ -x "/usr/sbin/$tool" ]; then
    echo "compare.sh: $tool not found (apt-get install nginx apache2-utils)" >&2
    exit 1
  fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --quiet --release -p rionet-examples --example tiny
TINY=target/release/examples/tiny

work=$(mktemp -d)
chmod 755 "$work"
tiny_pid=
cleanup() {
  [ -n "$tiny_pid" ] && kill "$tiny_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www"
head -c 1024 /dev/urandom >"$work/www/1k.bin"
head -c 1048576 /dev/urandom >"$work/www/1m.bin"
chmod -R a+rX "$work/www"

# Tiny on a free port: its first stdout line names it.
"$TINY" 0 "$work/www" >"$work/tiny.out" 2>&1 &
tiny_pid=$!
for _ in $(seq 50); do
  grep -q '^listening on' "$work/tiny.out" 2>/dev/null && break
  sleep 0.1
done
tiny_port=$(sed -nE '1s/^listening on .*:([0-9]+) .*/\1/p' "$work/tiny.out")
[ -n "$tiny_port" ] || { echo "compare.sh: tiny did not start" >&2; cat "$work/tiny.out" >&2; exit 1; }

# nginx on a free port, found by binding port 0.
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
  }
}
CONF
"$NGINX" -c "$work/nginx.conf" -e "$work/error.log"
for _ in $(seq 50); do
  [ -s "$work/nginx.pid" ] && break
  sleep 0.1
done

# ab's figure: requests/s, or bytes/s from its transfer rate (KB/s).
ab_rps() { ab -q -k -c "$CONCURRENCY" -n "$2" "$1" | awk '/^Failed requests/ { if ($3 != 0) print "FAILED " $3 > "/dev/stderr" } /^Requests per second/ { print $4 }'; }
ab_bps() { ab -q -k -c "$CONCURRENCY" -n "$2" "$1" | awk '/^Failed requests/ { if ($3 != 0) print "FAILED " $3 > "/dev/stderr" } /^Transfer rate/ { printf "%.0f\n", $3 * 1024 }'; }
best() { sort -g | tail -1; }

# Warm up both (page cache, thread stacks).
ab_rps "http://127.0.0.1:$tiny_port/1k.bin" 2000 >/dev/null
ab_rps "http://127.0.0.1:$nginx_port/1k.bin" 2000 >/dev/null

declare -a t1k n1k t1m n1m
for run in $(seq "$RUNS"); do
  t1k+=("$(ab_rps "http://127.0.0.1:$tiny_port/1k.bin" "$REQUESTS_1K")")
  n1k+=("$(ab_rps "http://127.0.0.1:$nginx_port/1k.bin" "$REQUESTS_1K")")
  t1m+=("$(ab_bps "http://127.0.0.1:$tiny_port/1m.bin" "$REQUESTS_1M")")
  n1m+=("$(ab_bps "http://127.0.0.1:$nginx_port/1m.bin" "$REQUESTS_1M")")
  echo "run $run: 1 KiB req/s tiny ${t1k[-1]} nginx ${n1k[-1]}; 1 MiB bytes/s tiny ${t1m[-1]} nginx ${n1m[-1]}"
done

tiny_rps=$(printf '%s\n' "${t1k[@]}" | best)
nginx_rps=$(printf '%s\n' "${n1k[@]}" | best)
tiny_bps=$(printf '%s\n' "${t1m[@]}" | best)
nginx_bps=$(printf '%s\n' "${n1m[@]}" | best)
echo
echo "best of $RUNS, ab -k -c $CONCURRENCY ($(nproc) cores, loopback)"
printf '1 KiB file: tiny %10.0f req/s   nginx %10.0f req/s   ratio %5.1f%% (target >= 50%%)\n' \
  "$tiny_rps" "$nginx_rps" "$(echo "$tiny_rps $nginx_rps" | awk '{ print 100 * $1 / $2 }')"
printf '1 MiB file: tiny %10.2f GB/s    nginx %10.2f GB/s    ratio %5.1f%% (target >= 80%%)\n' \
  "$(echo "$tiny_bps" | awk '{ print $1 / 1e9 }')" "$(echo "$nginx_bps" | awk '{ print $1 / 1e9 }')" \
  "$(echo "$tiny_bps $nginx_bps" | awk '{ print 100 * $1 / $2 }')"
