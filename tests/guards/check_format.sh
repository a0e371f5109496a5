#!/usr/bin/env bash
# Every tracked C++ file is as clang-format (.clang-format at the root) writes it, so a
# diff shows only what changed, never whose editor touched it. Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t files < <(git ls-files '*.cc' '*.h')
clang-format-14 --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted as .clang-format says"
