#!/usr/bin/env bash
# Fuzzes the real binary with Schemathesis against the OpenAPI document it
# serves at /api/schema/: every operation, positive and negative examples,
# the document's links (register -> token -> user), and a fixed number of
# examples per operation so the run stays within a few minutes.
#
# Fails on any 5xx, on any answer the document does not describe (status,
# content type, body, headers), on a 405 without Allow or an Allow that is
# not the document's methods, on a panic or an internal error in the
# server's log, and if the server is not answering /health afterwards.
#
# Usage: tests/schemathesis/run.sh [extra `st run` options]
# Environment: ST (the st command; default .ci/tools/schemathesis/bin/st),
#   SCHEMATHESIS_EXAMPLES (examples per operation; default 100),
#   SCHEMATHESIS_SEED (default fixed, so CI runs are repeatable; "random"
#   for a new one each run, printed at the start).
set -euo pipefail

cd "$(dirname "$0")/../.."

st=${ST:-.ci/tools/schemathesis/bin/st}
examples=${SCHEMATHESIS_EXAMPLES:-100}
seed=${SCHEMATHESIS_SEED:-20261203}
target_dir=${CARGO_TARGET_DIR:-target}

if [ ! -x "$st" ]; then
    echo "no Schemathesis at $st: run .ci/run once, or set ST" >&2
    exit 1
fi

cargo build --quiet --bin accounts
binary="$target_dir/debug/accounts"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Throttles off and bcrypt at cost 4, so examples are answered, not
# refused with 429 or queued behind slow hashes. Mail goes to the log
# provider, and info lines stay out of the log this script reads.
env -i PATH="$PATH" \
    ACCOUNTS_LISTEN=127.0.0.1:0 \
    ACCOUNTS_DB="$work/accounts.db" \
    ACCOUNTS_BCRYPT_COST=4 \
    ACCOUNTS_THROTTLE=off \
    ACCOUNTS_MAIL_PROVIDER=log \
    RUST_LOG=warn,accounts::server=info \
    "$binary" >"$work/server.log" 2>&1 &
server_pid=$!

address=""
for _ in $(seq 200); do
    address=$(sed -n 's/.*listening on \([0-9.]*:[0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
    if [ -n "$address" ] || ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
if [ -z "$address" ]; then
    echo "the server did not start; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi
base="http://$address"

# The account whose tokens the authenticated operations are fuzzed with.
export ACCOUNTS_FUZZ_EMAIL=fuzz@example.com
export ACCOUNTS_FUZZ_PASSWORD=fuzz-Password-1
curl --silent --show-error --fail --max-time 10 -o /dev/null \
    --data-urlencode "email=$ACCOUNTS_FUZZ_EMAIL" \
    --data-urlencode "password=$ACCOUNTS_FUZZ_PASSWORD" \
    "$base/api/register/"
echo "fuzzing $base with Schemathesis $("$st" --version | awk '{print $NF}'), $examples examples per operation"

seed_option=(--seed "$seed")
if [ "$seed" = random ]; then
    seed_option=()
fi

status=0
"$st" --config-file tests/schemathesis/schemathesis.toml run "$base/api/schema/" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,unsupported_method,allow_header_conformance \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$examples" \
    "${seed_option[@]}" \
    --generation-database none \
    --request-timeout 10 \
    --no-color \
    "$@" || status=$?

if grep -E 'panicked|internal error|ERROR' "$work/server.log" >/dev/null; then
    echo "the server logged a panic or an internal error:" >&2
    grep -E -B2 -A5 'panicked|internal error|ERROR' "$work/server.log" >&2
    status=1
fi
if ! curl --silent --fail --max-time 5 "$base/health" >/dev/null; then
    echo "the server no longer answers /health; its log:" >&2
    tail -n 50 "$work/server.log" >&2
    status=1
fi
exit "$status"
