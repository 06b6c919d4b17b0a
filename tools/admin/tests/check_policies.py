#!/usr/bin/env python3
"""Checks the generated browser policy files: usage check_policies.py POLICY_DIR EXTENSION_ID [GECKO_ID]."""
import json
import pathlib
import sys

root, ext_id = pathlib.Path(sys.argv[1]), sys.argv[2]
failures = []

expected_update = {
    "chrome": "https://clients2.google.com/service/update2/crx",
    "chromium": "https://clients2.google.com/service/update2/crx",
    "edge": "https://edge.microsoft.com/extensionwebstorebase/v1/crx",
}
for browser in ("chrome", "chromium", "edge"):
    path = root / "linux" / browser / "cabridge.json"
    try:
        policy = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        failures.append(f"{path}: {e}")
        continue
    forcelist = policy.get("ExtensionInstallForcelist", [])
    if len(forcelist) != 1 or not forcelist[0].startswith(ext_id + ";https://"):
        failures.append(f"{path}: ExtensionInstallForcelist {forcelist!r}")
    settings = policy.get("ExtensionSettings", {}).get(ext_id, {})
    if settings.get("installation_mode") != "force_installed" or not settings.get("update_url", "").startswith("https://"):
        failures.append(f"{path}: ExtensionSettings {settings!r}")
    if forcelist and forcelist[0].split(";", 1)[1] != settings.get("update_url"):
        failures.append(f"{path}: forcelist and ExtensionSettings disagree on the update URL")
    if policy.get("NativeMessagingAllowlist") != ["org.cabridge.host"]:
        failures.append(f"{path}: NativeMessagingAllowlist {policy.get('NativeMessagingAllowlist')!r}")
    if settings.get("update_url") != expected_update[browser]:
        # Only informative: a packager may configure a self-hosted URL.
        print(f"note: {path} uses update URL {settings.get('update_url')}")

for name, key in (("chrome-policy.reg", r"SOFTWARE\Policies\Google\Chrome"),
                  ("edge-policy.reg", r"SOFTWARE\Policies\Microsoft\Edge"),
                  ("chromium-policy.reg", r"SOFTWARE\Policies\Chromium")):
    text = (root / "windows" / name).read_text(encoding="utf-8")
    for needle in ("Windows Registry Editor Version 5.00", key + r"\ExtensionInstallForcelist]",
                   f'"1"="{ext_id};https://', key + r"\NativeMessagingAllowlist]",
                   '"1"="org.cabridge.host"', f'\\"{ext_id}\\": {{\\"installation_mode\\": \\"force_installed\\"'):
        if needle not in text:
            failures.append(f"{name}: missing {needle!r}")
    if "@" in text.replace("@=", ""):
        failures.append(f"{name}: unsubstituted @VARIABLE@")

native = (root / "windows" / "native-host.reg").read_text(encoding="utf-8")
for needle in (r"[HKEY_LOCAL_MACHINE\SOFTWARE\Google\Chrome\NativeMessagingHosts\org.cabridge.host]",
               r"[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Edge\NativeMessagingHosts\org.cabridge.host]",
               r'@="C:\\Program Files\\cabridge\\org.cabridge.host.json"'):
    if needle not in native:
        failures.append(f"native-host.reg: missing {needle!r}")

# Firefox: the add-on force-installed (the person cannot remove or disable it) from an https URL.
gecko_id = sys.argv[3] if len(sys.argv) > 3 else "cabridge@cabridge.org"
firefox = root / "linux" / "firefox" / "policies.json"
try:
    settings = json.loads(firefox.read_text(encoding="utf-8"))["policies"]["ExtensionSettings"]
    if list(settings) != [gecko_id]:
        failures.append(f"{firefox}: ExtensionSettings names {list(settings)!r}, expected [{gecko_id!r}]")
    entry = settings.get(gecko_id, {})
    if entry.get("installation_mode") != "force_installed":
        failures.append(f"{firefox}: installation_mode {entry.get('installation_mode')!r}")
    if not str(entry.get("install_url", "")).startswith("https://") or "@" in str(entry.get("install_url")):
        failures.append(f"{firefox}: install_url {entry.get('install_url')!r}")
except (OSError, ValueError, KeyError, TypeError) as e:
    failures.append(f"{firefox}: {e}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
