#!/bin/bash
# Callgrind instructions per event of one sync stream (stream_profile.py against the mock; the
# mock, a subprocess, is not traced): the run of N3 events minus the run of N1, over N3 - N1, so
# start-up and imports cancel. Repeatable under load, unlike CPU time.
#   benchmarks/stream_ir.sh TREE FORMAT CLIENT [N1 N3]    e.g. benchmarks/stream_ir.sh . bedrock llmkit
# TREE: a checkout (or `git archive` export) whose src/ and benchmarks/ are measured; `sdk` runs
# in benchmarks/.venv-peers.
set -euo pipefail
tree=$1; fmt=$2; client=$3; n1=${4:-1000}; n3=${5:-3000}
here=$(cd "$(dirname "$0")/.." && pwd)
py=$here/.venv/bin/python
[ "$client" = sdk ] && py=$here/benchmarks/.venv-peers/bin/python
cd "$tree"
out=()
for n in $n1 $n3; do
  f=$(mktemp /tmp/stream_ir.XXXXXX)
  PYTHONHASHSEED=0 PYTHONPATH=src valgrind --tool=callgrind --callgrind-out-file="$f" "$py" \
    benchmarks/stream_profile.py --formats "$fmt" --clients "$client" --n "$n" --rounds 1 >/dev/null 2>"$f.err"
  out+=("$(callgrind_annotate "$f" 2>/dev/null | grep -m1 "PROGRAM TOTALS" | awk '{gsub(",","",$1); print $1}')")
  rm -f "$f" "$f.err"
done
echo "$fmt $client $(( (out[1] - out[0]) / (n3 - n1) ))"
