# Sourced by the CLI script tests: `expect CODE PATTERN -- ARGS...` runs dlcc with ARGS and
# records a failure unless it exits with CODE and its output (stdout and stderr) matches the
# extended regex PATTERN; `finish` prints the tally and sets the exit status.
checks=0
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect() {
  local code=$1 pattern=$2
  shift 3
  local output status
  checks=$((checks + 1))
  output=$("$DLCC" "$@" 2>&1)
  status=$?
  [ "$status" -eq "$code" ] || fail "dlcc $* exited $status, expected $code; output: $output"
  grep -qE -- "$pattern" <<<"$output" || fail "dlcc $* printed '$output', expected /$pattern/"
}

finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [ "$failures" -eq 0 ]
  exit
}
