#!/usr/bin/env bash
# Builds the libFuzzer target //tests/server:server_fuzzer (clang, --config=fuzz) and runs it for N
# seconds (default 60) on a scratch copy of tests/server/server_fuzz_corpus. Exits non-zero on a
# crash, a sanitizer report, a hang or a failed invariant; libFuzzer leaves the input that caused
# it in the scratch directory (replay it with: server_fuzzer <file>).
#
#   tests/server/server_fuzz_run.sh             # 60 seconds
#   tests/server/server_fuzz_run.sh 600 -jobs=2 # 10 minutes; extra arguments go to libFuzzer
#
# The fuzz build uses its own Bazel output base (EMBEDIS_FUZZ_OUTPUT_BASE, default under $TMPDIR)
# so that switching the compiler to clang does not invalidate the shared gcc build.
set -euo pipefail

seconds="${1:-60}"
shift || true
cd "$(dirname "$0")/../.."

output_base="${EMBEDIS_FUZZ_OUTPUT_BASE:-${TMPDIR:-/tmp}/embedis-fuzz-output-base}"
bazel_fuzz=(bazel "--output_base=${output_base}")

"${bazel_fuzz[@]}" build --config=fuzz --symlink_prefix=/ //tests/server:server_fuzzer
bin_dir="$("${bazel_fuzz[@]}" info --config=fuzz bazel-bin 2>/dev/null)"
fuzzer="${bin_dir}/tests/server/server_fuzzer"

work="$(mktemp -d "${TMPDIR:-/tmp}/server_fuzz.XXXXXX")"
mkdir -p "${work}/corpus"
cp tests/server/server_fuzz_corpus/* "${work}/corpus/"
echo "fuzzing for ${seconds}s in ${work}"

# -timeout: the harness itself fails after 10 s without an answer; -rss_limit_mb: a few legitimate
# big values (512 MB bulk limit is lowered to 1 MB in the harness) stay far below it.
status=0
(cd "${work}" && "${fuzzer}" -max_total_time="${seconds}" -max_len=4096 -timeout=20 \
  -rss_limit_mb=4096 -print_final_stats=1 "$@" corpus) || status=$?
if [[ ${status} -ne 0 ]]; then
  echo "FUZZER FAILED (exit ${status}); inputs in ${work}:" >&2
  ls "${work}" >&2
  exit "${status}"
fi
echo "no crash; the grown corpus is in ${work}/corpus"
