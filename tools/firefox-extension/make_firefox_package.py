#!/usr/bin/env python3
"""Writes the Firefox package of the extension from the one source in extension/.

extension/ is itself the Chrome/Edge package (loadable unpacked, with the "key" that fixes
its id). Firefox needs a few manifest changes, and Chromium before 121 (the base of many
domestic browsers) refuses an MV3 manifest that also names background scripts, so the two
cannot share one manifest.json: Firefox runs background.js as an event page
("background.scripts"; it refuses "service_worker" alone), knows the extension by
browser_specific_settings.gecko.id, and has no use for "key" or "minimum_chrome_version".
Every other file is copied unchanged.

usage: make_firefox_package.py SOURCE_DIR OUT_DIR GECKO_ID
"""
import json
import pathlib
import shutil
import sys

# Firefox ESR 128 is the oldest with everything the extension uses (MV3 event pages as
# modules, storage.session, host permissions granted at install).
STRICT_MIN_VERSION = "128.0"


def firefox_manifest(chrome: dict, gecko_id: str) -> dict:
    manifest = {k: v for k, v in chrome.items() if k not in ("key", "minimum_chrome_version")}
    background = chrome["background"]
    manifest["background"] = {"scripts": [background["service_worker"]]}
    if "type" in background:
        manifest["background"]["type"] = background["type"]
    manifest["browser_specific_settings"] = {
        "gecko": {"id": gecko_id, "strict_min_version": STRICT_MIN_VERSION}
    }
    return manifest


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    source, out, gecko_id = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
    chrome = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    staging = out.with_name(out.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("manifest.json"))
    (staging / "manifest.json").write_text(
        json.dumps(firefox_manifest(chrome, gecko_id), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # Replaced whole, so a file removed from the source does not linger in the package.
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
