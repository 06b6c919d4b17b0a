#!/usr/bin/env python3
"""Runs clang-tidy over a compile database, skipping translation units already proven clean.

clang-tidy is most of the test command's CPU time (about 17 s per translation unit on this
project, two thirds of it in the static analyzer), and most commits change a few files. A
translation unit's clang-tidy result depends only on what clang-tidy reads: the preprocessed
text of the unit (every header it includes, so a header change re-checks every unit that includes
it), the compile arguments, the checks (.clang-tidy), the header filter and the clang-tidy
version. This script hashes exactly those, with the checkout's path replaced by a placeholder so
that another clone of the same tree gets the same key, and keeps the keys of units that came out
clean in a ledger (.ci/clang-tidy-clean.txt, committed). A unit whose key is in the ledger is not
checked again; every other unit is. CABRIDGE_TIDY_CACHE=off checks every unit regardless.

The ledger is rewritten after each run: the keys of this run's clean units, plus those of units
the run did not select (CABRIDGE_TIDY_ONLY), minus units that no longer exist. A unit with a
finding never enters it.

Usage: clang-tidy-cached.py DB_DIR ROOT HEADER_FILTER LEDGER JOBS LOG [REGEX ...]
Exit status: 0 when every selected unit is clean, 1 otherwise.
"""
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys

EXTRA_ARGS = ["-Wno-unknown-warning-option"]


def clang_tidy_version():
    out = subprocess.run(["clang-tidy", "--version"], capture_output=True, text=True, check=True)
    return out.stdout


def preprocess(entry, root):
    """The unit's preprocessed text as clang (clang-tidy's front end) sees it."""
    args = list(entry["arguments"])
    args[0] = "clang++" if not entry["file"].endswith(".c") else "clang"
    cleaned, i = [], 0
    while i < len(args):
        if args[i] == "-o":
            i += 2
            continue
        if args[i] == "-c":
            i += 1
            continue
        cleaned.append(args[i])
        i += 1
    # -C keeps comments: NOLINT markers change what clang-tidy reports.
    cleaned += EXTRA_ARGS + ["-E", "-C", "-o", "-"]
    out = subprocess.run(cleaned, cwd=entry["directory"], capture_output=True)
    if out.returncode != 0:
        return None  # no key: the unit is checked (and clang-tidy reports why it does not parse)
    return without_root(out.stdout, root.encode())


def without_root(data, root):
    """data with the checkout's path replaced by @ROOT@ where a path starts (after a quote,
    whitespace, '=' or the like), never inside a longer path: with the checkout at /src/main,
    /src/main/host/src/main.cpp must become @ROOT@/host/src/main.cpp, not @ROOT@/host@ROOT@.cpp."""
    return re.sub(rb"(?:^|(?<=[\s\"'=<(,:]))" + re.escape(root) + rb"(?=[/\"'\s>),:]|$)", b"@ROOT@", data,
                  flags=re.M)


def arg_without_root(arg, root):
    for option in ("-I", "-o", ""):  # a path glued to its option, or a path alone
        if arg.startswith(option + root) and arg[len(option) + len(root):][:1] in ("", "/"):
            return option + "@ROOT@" + arg[len(option) + len(root):]
    return without_root(arg.encode(), root.encode()).decode()


def unit_key(entry, root, common):
    text = preprocess(entry, root)
    if text is None:
        return None
    h = hashlib.sha256(common)
    h.update("\0".join(arg_without_root(a, root) for a in entry["arguments"][1:]).encode())
    h.update(arg_without_root(entry["directory"], root).encode())
    h.update(text)
    return h.hexdigest()


def run_tidy(db_dir, header_filter, path):
    cmd = ["clang-tidy", "-quiet", "-p", db_dir, "-header-filter=" + header_filter]
    cmd += ["-extra-arg=" + a for a in EXTRA_ARGS] + [path]
    out = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    text = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)
    clean = out.returncode == 0 and not re.search(r"(warning|error): ", text)
    return clean, text


def main():
    db_dir, root, header_filter, ledger_path, jobs, log_path, *regexes = sys.argv[1:]
    entries = json.load(open(os.path.join(db_dir, "compile_commands.json")))
    rel = lambda p: os.path.relpath(p, root)
    selected = [e for e in entries if not regexes or any(re.search(r, e["file"]) for r in regexes)]
    use_ledger = os.environ.get("CABRIDGE_TIDY_CACHE", "on") != "off"

    # The checks: every tracked .clang-tidy (not one a build or node_modules folder happens to hold).
    tracked = subprocess.run(["git", "ls-files", "-z", "--", ".clang-tidy", "**/.clang-tidy"],
                             cwd=root, capture_output=True, check=True).stdout.split(b"\0")
    config = b"".join(open(os.path.join(root, p.decode()), "rb").read() for p in sorted(tracked) if p)
    common = "\0".join([clang_tidy_version(), arg_without_root(header_filter.lstrip("^"), root),
                        " ".join(EXTRA_ARGS)]).encode() + config

    old = {}  # path -> set of keys
    if os.path.exists(ledger_path):
        for line in open(ledger_path):
            parts = line.split()
            if len(parts) == 2:
                old.setdefault(parts[1], set()).add(parts[0])

    with concurrent.futures.ThreadPoolExecutor(max_workers=int(jobs)) as pool:
        keys = list(pool.map(lambda e: unit_key(e, root, common), selected))
    # clang-tidy checks a file under every compile command the database has for it (a file built
    # with different -D in two targets), so a file is skipped only when all its units are known clean.
    by_path = {}
    for e, k in zip(selected, keys):
        by_path.setdefault(rel(e["file"]), []).append(k)
    todo, clean_keys = [], {}
    for path, ks in by_path.items():
        if use_ledger and all(k is not None and k in old.get(path, set()) for k in ks):
            clean_keys[path] = set(ks)
        else:
            todo.append((path, ks))
    print("lint: clang-tidy: %d of %d files unchanged since a clean run (ledger %s), %d to check"
          % (len(by_path) - len(todo), len(by_path), rel(ledger_path), len(todo)), flush=True)

    failed = []
    with open(log_path, "w") as log, \
            concurrent.futures.ThreadPoolExecutor(max_workers=int(jobs)) as pool:
        futures = {pool.submit(run_tidy, db_dir, header_filter, os.path.join(root, path)): (path, ks)
                   for path, ks in todo}
        for f in concurrent.futures.as_completed(futures):
            path, ks = futures[f]
            clean, text = f.result()
            log.write("== %s\n%s\n" % (path, text))
            if clean:
                clean_keys[path] = {k for k in ks if k is not None}
            else:
                failed.append(path)

    # Rewrite the ledger: units not selected keep their old keys; units gone are dropped.
    existing = {rel(e["file"]) for e in entries}
    selected_paths = {rel(e["file"]) for e in selected}
    lines = set()
    for path, ks in old.items():
        if path in existing and path not in selected_paths:
            lines.update("%s %s" % (k, path) for k in ks)
    for path, ks in clean_keys.items():
        lines.update("%s %s" % (k, path) for k in ks)
    with open(ledger_path, "w") as out:
        out.writelines(l + "\n" for l in sorted(lines, key=lambda l: (l.split()[1], l)))
    if failed:
        print("lint: clang-tidy findings in: %s" % " ".join(sorted(failed)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
