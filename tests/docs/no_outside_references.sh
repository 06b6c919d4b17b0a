#!/bin/sh
# Fails when a file of the project sends its reader to one of the reference documents that live
# outside the repository (the wire contract, the measured facts, the national-crypto and HeBCA
# legacy notes). Cite docs/protocol.md by section, or say it in place.
# Usage: no_outside_references.sh SOURCE_DIR
set -u
cd "${1:?source dir}" || exit 2
pattern='(PROTOCOL|FACTS|NATIONAL-CRYPTO|HEBCA-LEGACY-API)\.md'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  hits=$(git grep -nE "$pattern" -- . || true)
else
  hits=$(grep -rnE "$pattern" --exclude-dir=.git --exclude-dir=node_modules --exclude-dir='build*' . || true)
fi
if [ -n "$hits" ]; then
  echo "references to documents outside the repository (cite docs/protocol.md section N instead):"
  echo "$hits"
  exit 1
fi
echo "no references to documents outside the repository"
