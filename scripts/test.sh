#!/usr/bin/env bash
# Runs every test: unit tests (no root needed) and lab tests (network namespaces, real babeld,
# wireguard-go and nftables; root). Installs what it needs first. Usage: sudo scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
mnigs_prereqs

# Leftovers of an interrupted earlier run (namespaces and daemons of the lab prefix).
bash lab/mesh.sh sweep lab >/dev/null 2>&1 || true

echo "==> Restoring and building"
dotnet restore Mnigs.slnx -v quiet
dotnet build Mnigs.slnx -c Release --no-restore -v quiet -nologo

status=0
log=$(mktemp)
for project in tests/Mnigs.Core.Tests tests/Mnigs.Tests tests/Mnigs.Lab.Tests; do
    echo "==> $project"
    dotnet test "$project" -c Release --no-build --nologo 2>&1 | tee -a "$log" || status=1
done

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "Tests: $passed passed, $failed failed"
if [[ $status -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then
    exit 1
fi
