#!/usr/bin/env python3
"""Checks the Firefox package the build wrote against extension/: the manifest differs only
where Firefox needs it to, every other file is the same.
usage: check_firefox_package.py SOURCE_DIR PACKAGE_DIR GECKO_ID"""
import filecmp
import json
import pathlib
import sys

source, package, gecko_id = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
failures = []
chrome = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
firefox = json.loads((package / "manifest.json").read_text(encoding="utf-8"))

if firefox.get("background") != {"scripts": [chrome["background"]["service_worker"]], "type": "module"}:
    failures.append(f"background is {firefox.get('background')!r}")
gecko = firefox.get("browser_specific_settings", {}).get("gecko", {})
if gecko.get("id") != gecko_id:
    failures.append(f"gecko id is {gecko.get('id')!r}, expected {gecko_id!r}")
for key in ("key", "minimum_chrome_version"):
    if key in firefox:
        failures.append(f"{key} is still there")
for key, value in chrome.items():
    if key not in ("background", "key", "minimum_chrome_version") and firefox.get(key) != value:
        failures.append(f"{key} differs from extension/manifest.json")

source_files = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
package_files = sorted(p.relative_to(package) for p in package.rglob("*") if p.is_file())
if source_files != package_files:
    failures.append(f"files differ: {sorted(set(source_files) ^ set(package_files))}")
for rel in source_files:
    if rel.name != "manifest.json" or rel.parent != pathlib.Path("."):
        if (package / rel).is_file() and not filecmp.cmp(source / rel, package / rel, shallow=False):
            failures.append(f"{rel} differs")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
