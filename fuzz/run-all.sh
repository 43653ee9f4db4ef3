#!/usr/bin/env bash
# Runs every fuzz target for the given time each: fuzz/run-all.sh SECONDS. Prints one line of figures per target;
# exit status 1 when any target saved a crash or a hang.
set -uo pipefail
seconds=${1:?usage: fuzz/run-all.sh SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for target in criteo libsvm csv schema fieldmap featuremap model checkpoint cache json tsv; do
  "$here/run.sh" "$target" "$seconds" || status=1
done
exit $status
