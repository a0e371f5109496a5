#!/usr/bin/python3
"""Keeps src/ readable in one sitting: no file over 400 lines, no function over 60
(from the line of its opening brace to the line of its closing one, lambdas inside it
included). Functions are found by their braces after comments and literals are
blanked out: a brace block at namespace or class level whose head ends in ')'
(or a trailing qualifier) is a function body."""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
SCOPES = re.compile(r"\b(namespace|class|struct|union|enum)\b[^;{}()]*$")
FUNCTION_HEAD = re.compile(r"\)\s*(const|noexcept|override|final|mutable|->\s*[\w:<>,\s*&]+|try|\s)*$|"
                           r"\)\s*:\s*[\s\S]*$")


def blank(text):
    """Comments, strings and characters replaced by spaces, newlines kept."""
    pattern = re.compile(r'//[^\n]*|/\*[\s\S]*?\*/|R"(\w*)\([\s\S]*?\)\1"|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def long_functions(path):
    text = blank(open(path).read())
    stack = []  # per open brace: "scope", "function" or "other"
    head_start = 0
    found = []
    for index, char in enumerate(text):
        if char == "{":
            inside_function = any(kind == "function" for kind, _ in stack)
            head = text[head_start:index]
            if inside_function:
                kind = "other"
            elif SCOPES.search(head.strip()):
                kind = "scope"
            elif FUNCTION_HEAD.search(head.strip()) and "=" not in head.split("(")[0]:
                kind = "function"
            else:
                kind = "other"
            stack.append((kind, text.count("\n", 0, index) + 1))
            head_start = index + 1
        elif char == "}":
            if stack:
                kind, first = stack.pop()
                last = text.count("\n", 0, index) + 1
                if kind == "function" and last - first + 1 > MAX_FUNCTION_LINES:
                    found.append((first, last - first + 1))
            head_start = index + 1
        elif char == ";":
            head_start = index + 1
    return found


def main():
    problems = []
    for folder, _, files in os.walk(os.path.join(ROOT, "src")):
        for name in sorted(files):
            if not name.endswith((".h", ".cc")):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, ROOT)
            lines = len(open(path).read().splitlines())
            if lines > MAX_FILE_LINES:
                problems.append(f"{relative}: {lines} lines, more than {MAX_FILE_LINES}")
            for first, length in long_functions(path):
                problems.append(f"{relative}:{first}: a function of {length} lines, more than {MAX_FUNCTION_LINES}")
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
