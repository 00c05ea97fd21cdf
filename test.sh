#!/usr/bin/env bash
# Restores, builds and runs every test. Ends with the line "N passed, N failed".
# Anything the tests need beyond the .NET SDK (npm client packages) is installed here.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
results="$root/.build/test-results"
rm -rf "$results"
mkdir -p "$results"

fail_setup() {
  echo "test.sh: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

command -v dotnet >/dev/null 2>&1 || fail_setup "the .NET 10 SDK ('dotnet') is not on PATH"

# Real-client tests drive the server with the npm packages users use (ollama, openai).
if [[ -f tests/clients/package.json ]]; then
  command -v npm >/dev/null 2>&1 || fail_setup "npm is needed for the client tests (apt-get install nodejs npm)"
  if [[ ! -d tests/clients/node_modules ]] || [[ tests/clients/package-lock.json -nt tests/clients/node_modules ]]; then
    echo "== installing npm test clients"
    (cd tests/clients && npm ci --no-audit --no-fund --loglevel=error) || fail_setup "npm ci failed in tests/clients"
    touch tests/clients/node_modules
  fi
fi

# The CLI's REPL tests drive a real terminal through tmux.
if ! command -v tmux >/dev/null 2>&1; then
  echo "== installing tmux (REPL tests)"
  { apt-get update -qq && apt-get install -y -qq tmux; } >/dev/null 2>&1 || echo "test.sh: tmux could not be installed; the REPL tests will be skipped" >&2
fi

echo "== restore and build"
dotnet build Corral.slnx -c Release --nologo -v quiet -clp:ErrorsOnly || fail_setup "build failed"

echo "== tests"
status=0
dotnet test Corral.slnx -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=$?

passed=0
failed=0
shopt -s nullglob
trx_files=("$results"/*.trx)
for trx in "${trx_files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0}))
done
expected_projects=$(ls tests/*/*.Tests.csproj | wc -l)
if (( ${#trx_files[@]} < expected_projects )); then
  echo "test.sh: only ${#trx_files[@]} of $expected_projects test projects reported results" >&2
  failed=$((failed + expected_projects - ${#trx_files[@]}))
fi
if (( status != 0 && failed == 0 )); then failed=1; fi
echo "$passed passed, $failed failed"
(( failed == 0 ))
