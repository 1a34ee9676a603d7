#!/usr/bin/env bash
# Instruction counts of the overhead bench under callgrind: the client's and the bare
# reqwest baseline's instructions per call, and their ratio. Deterministic, so it does not
# care how busy the machine is. Each side runs twice (SMALL and LARGE calls) in a fresh
# process; the difference divided by LARGE - SMALL removes start-up (runtime, server, client).
# Usage: superoffice-client/benches/callgrind_ratio.sh [SMALL] [LARGE]   (from the workspace root)
set -euo pipefail
package=superoffice-client
small=${1:-100}
large=${2:-600}
bin=$(cargo bench -p "$package" --bench overhead --no-run 2>&1 |
    sed -n 's/.*(\(.*overhead-[0-9a-f]*\)).*/\1/p' | tail -n 1)
count() {
    OVERHEAD_ONLY=$1 OVERHEAD_CALLS=$2 valgrind --tool=callgrind \
        --callgrind-out-file=/dev/null "$bin" 2>&1 | awk '/Collected/ {print $4}'
}
per_call() {
    local a b
    a=$(count "$1" "$small")
    b=$(count "$1" "$large")
    echo $(((b - a) / (large - small)))
}
client=$(per_call client)
baseline=$(per_call baseline)
echo "$package callgrind: client $client instructions/call, baseline $baseline instructions/call"
awk -v c="$client" -v b="$baseline" 'BEGIN { printf "ratio (instructions) %.3f\n", c / b }'
