#!/usr/bin/env bash
# Every tracked C++ file is as clang-format (.clang-format at the root) writes it, so a
# diff shows only what changed, never whose editor touched it. Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/../.."
files=$(git ls-files '*.cc' '*.h')  # fails the script outside a git checkout
mapfile -t files <<< "$files"
if [[ ${#files[@]} -lt 100 ]]; then  # an empty list would have clang-format read stdin and pass
  echo "check_format: git lists only ${#files[@]} C++ files; is this a checkout?" >&2
  exit 1
fi
clang-format-14 --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted as .clang-format says"
