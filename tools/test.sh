#!/usr/bin/env bash
# Installs what is missing, then builds and runs every embedis test.
# Prints, last, one line "N passed, N failed" counted from the run's test
# cases (GoogleTest cases from each target's test.xml; a target that fails to
# build or times out counts as one failed case). Exits non-zero if any failed.
#
#   bash tools/test.sh                 # all tests, normal build
#   bash tools/test.sh --config=asan   # the same under a sanitizer config
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || exit 1

log=$(mktemp /tmp/embedis-test.XXXXXX)
bazel test //... --test_output=errors --keep_going "$@" 2>&1 | tee "$log"
bazel_rc=${PIPESTATUS[0]}

testlogs=$(bazel info bazel-testlogs "$@" 2>/dev/null)
python3 - "$log" "$testlogs" "$bazel_rc" <<'PY'
import os, re, sys, xml.etree.ElementTree as ET
log, testlogs, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
passed = failed = 0
targets = []
for line in open(log, errors="replace"):
    m = re.match(r"^(//\S+)\s+(?:\(cached\)\s+)?(PASSED|FAILED|TIMEOUT|FAILED TO BUILD|NO STATUS|FLAKY|SKIPPED)\b", line)
    if m:
        targets.append((m.group(1), m.group(2)))
for target, status in targets:
    if status in ("FAILED TO BUILD", "NO STATUS", "TIMEOUT", "SKIPPED"):
        failed += 1
        print(f"test.sh: {target}: {status}", file=sys.stderr)
        continue
    path = os.path.join(testlogs, target[2:].replace(":", "/"), "test.xml")
    cases_p = cases_f = 0
    try:
        root = ET.parse(path).getroot()
        for tc in root.iter("testcase"):
            if tc.find("failure") is not None or tc.find("error") is not None:
                cases_f += 1
            elif tc.get("status", "run") == "run" and tc.get("result", "completed") == "completed":
                cases_p += 1
            else:
                cases_f += 1  # skipped or not run counts against us
    except (OSError, ET.ParseError):
        pass
    if cases_p + cases_f == 0:
        # No test cases in the XML (a script test): count the target itself.
        cases_p, cases_f = (1, 0) if status == "PASSED" else (0, 1)
    elif status != "PASSED" and cases_f == 0:
        cases_f = 1  # crashed after the cases it reported
    passed += cases_p
    failed += cases_f
if not targets:
    failed += 1
    print("test.sh: bazel reported no test targets", file=sys.stderr)
if rc != 0 and failed == 0:
    failed += 1
    print(f"test.sh: bazel exited with {rc}", file=sys.stderr)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
