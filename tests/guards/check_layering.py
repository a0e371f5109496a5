#!/usr/bin/python3
"""Every #include from one component of src/ to another follows an arrow that the
components' CMakeLists.txt declare (sts_component DEPENDS, or target_link_libraries),
directly or through other components. Every target exports src/ as its include path, so without this
check a file could include any component's header and the layering would hold only
by discipline. Also fails on a cycle between components."""

import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.M)


def declared_arrows():
    """component -> the components its targets link, from every src/*/CMakeLists.txt."""
    owner, links = {}, {}
    for component in sorted(os.listdir(SRC)):
        cmake = os.path.join(SRC, component, "CMakeLists.txt")
        if not os.path.isfile(cmake):
            continue
        text = re.sub(r"#.*", "", open(cmake).read())
        for target in re.findall(r"(?:add_library|sts_component)\(\s*(\w+)", text):
            owner[target] = component
        for target, body in re.findall(r"sts_component\(\s*(\w+)([^)]*)\)", text):
            links.setdefault(target, set()).update(re.findall(r"\b(sts_\w+)", body))
        for target, body in re.findall(r"target_link_libraries\(\s*(\w+)([^)]*)\)", text):
            links.setdefault(target, set()).update(re.findall(r"\b(sts_\w+)", body))
    arrows = {component: set() for component in set(owner.values())}
    for target, linked in links.items():
        if target in owner:
            arrows[owner[target]].update(owner[t] for t in linked if t in owner and owner[t] != owner[target])
    return arrows


def reachable(arrows, start):
    seen, stack = set(), list(arrows[start])
    while stack:
        component = stack.pop()
        if component not in seen:
            seen.add(component)
            stack.extend(arrows.get(component, ()))
    return seen


def main():
    arrows = declared_arrows()
    problems = [f"cycle: {c} reaches itself through {sorted(arrows[c])}" for c in arrows if c in reachable(arrows, c)]
    checked = 0
    for component in sorted(arrows):
        allowed = reachable(arrows, component)
        for folder, _, files in os.walk(os.path.join(SRC, component)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc")):
                    continue
                path = os.path.join(folder, name)
                for included in INCLUDE.findall(open(path).read()):
                    checked += 1
                    if included != component and included in arrows and included not in allowed:
                        problems.append(f"src/{os.path.relpath(path, SRC)} includes {included}/, but {component} "
                                        f"declares no arrow to it (it may use: {', '.join(sorted(allowed)) or 'none'})")
    for problem in problems:
        print(problem)
    print(f"{len(arrows)} components, {checked} includes checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
