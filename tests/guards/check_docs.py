#!/usr/bin/python3
"""The landing page and the docs stay usable: README.md is at most 150 lines, and every
relative link in README.md, docs/ and the folders' READMEs leads to a file of the
checkout and, with #anchor, to a heading of that file (GitHub's heading slugs)."""

import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README_MAX_LINES = 150
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def slug(heading):
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path):
    with open(path) as f:
        text = CODE.sub("", f.read()) if path.endswith(".md") else ""
    found, seen = set(), {}
    for line in text.splitlines():
        match = re.match(r"#{1,6}\s+(.*)", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(page):
    with open(page) as f:
        text = CODE.sub("", f.read())
    problems = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # http:, https:, mailto: are not ours to check here
        path, _, anchor = target.partition("#")
        resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        if not resolved.startswith(ROOT + os.sep) or not os.path.exists(resolved):
            problems.append(f"{os.path.relpath(page, ROOT)}: {target}: no such file in the checkout")
        elif anchor and os.path.isfile(resolved) and anchor not in anchors(resolved):
            problems.append(f"{os.path.relpath(page, ROOT)}: {target}: no heading #{anchor}")
    return problems


def main():
    pages = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    pages += sorted(glob.glob(os.path.join(ROOT, "tests", "*", "README.md")))
    problems = []
    with open(pages[0]) as f:
        lines = len(f.read().splitlines())
    if lines > README_MAX_LINES:
        problems.append(f"README.md: {lines} lines, more than {README_MAX_LINES}: move detail into docs/")
    for page in pages:
        problems += broken_links(page)
    for problem in problems:
        print(problem)
    print(f"{len(pages)} pages checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
