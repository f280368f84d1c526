#!/usr/bin/env bash
# Builds the libFuzzer target //tests/resp:resp_parser_fuzzer (clang, --config=fuzz) and runs it
# for N seconds (default 10) on a scratch copy of tests/resp/corpus. Exits non-zero on a crash or
# a failed invariant; libFuzzer leaves the crashing input in the scratch directory.
#
#   tests/resp/run_fuzzer.sh            # 10 seconds
#   tests/resp/run_fuzzer.sh 300 -jobs=4 # 5 minutes; extra arguments go to libFuzzer
#
# The fuzz build uses its own Bazel output base (EMBEDIS_FUZZ_OUTPUT_BASE, default under $TMPDIR)
# so that switching the compiler to clang does not invalidate the shared gcc build.
set -euo pipefail

seconds="${1:-10}"
shift || true
cd "$(dirname "$0")/../.."

output_base="${EMBEDIS_FUZZ_OUTPUT_BASE:-${TMPDIR:-/tmp}/embedis-fuzz-output-base}"
bazel_fuzz=(bazel "--output_base=${output_base}")

"${bazel_fuzz[@]}" build --config=fuzz --symlink_prefix=/ //tests/resp:resp_parser_fuzzer
bin_dir="$("${bazel_fuzz[@]}" info --config=fuzz bazel-bin 2>/dev/null)"
fuzzer="${bin_dir}/tests/resp/resp_parser_fuzzer"

work="$(mktemp -d "${TMPDIR:-/tmp}/resp_fuzz.XXXXXX")"
mkdir -p "${work}/corpus"
cp tests/resp/corpus/* "${work}/corpus/"
echo "fuzzing for ${seconds}s in ${work}"

status=0
(cd "${work}" && "${fuzzer}" -max_total_time="${seconds}" -max_len=4096 -timeout=10 \
  -print_final_stats=1 "$@" corpus) || status=$?
if [[ ${status} -ne 0 ]]; then
  echo "FUZZER FAILED (exit ${status}); inputs in ${work}:" >&2
  ls "${work}" >&2
  exit "${status}"
fi
echo "no crash; the grown corpus is in ${work}/corpus"
