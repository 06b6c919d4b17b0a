"""SM2 benchmarks for bench/run.py: the real host with one SM2 plugin against a minimal program
calling the same software token directly, each pair run alternately in one invocation.

  SKF:      the SKF plugin on tests/softskf (provisioned by tools/pki/provision-skf.py)
            vs bench/baseline_skf.cpp
  PKCS#11:  the generic PKCS#11 plugin on tests/softsm2p11 (vendor A's numbering, the digest
            mechanism: cabridge computes Z and e, the module signs e, raw r || s)
            vs bench/baseline_pkcs11_sm2.cpp

Each host gets a plugin directory of its own holding only its plugin library (copied from the
build) and descriptor, so it loads nothing the baseline does not."""
import json
import os
import shutil
import statistics
import subprocess

ORIGIN = "http://localhost"
PIN = "123456"
SKF_DEVICE, SKF_APPLICATION, SKF_CONTAINER = "HEBCA-SKF-1", "HEBCA", "sm2-org"  # provision-skf.py
P11_KEY_TYPE, P11_DIGEST_MECHANISM = "0x80000004", "0x80008200"  # tests/softsm2p11 README, vendor A
P11_TOKEN = "GM-KEY"


def _world(build, work, name, plugin_file, descriptor_config, extra_env):
    """A plugin dir with one plugin, a policy allowing ORIGIN and a host config; returns env."""
    plugins = os.path.join(work, name, "plugins")
    os.makedirs(plugins)
    library = shutil.copy(os.path.join(build, "lib", "cabridge", "plugins", plugin_file), plugins)
    descriptor = {"id": descriptor_config["id"], "name": descriptor_config["name"], "abi": 1, "library": library,
                  "config": descriptor_config}
    json.dump(descriptor, open(os.path.join(plugins, descriptor_config["id"] + ".json"), "w"), ensure_ascii=False)
    policy = os.path.join(work, name, "policy.json")
    json.dump({"allowOrigins": [ORIGIN]}, open(policy, "w"))
    os.chmod(policy, 0o644)
    config = os.path.join(work, name, "host.json")
    json.dump({"pluginDirs": [plugins], "policyFile": policy, "logFile": os.path.join(work, name, "host.log")},
              open(config, "w"))
    return dict(os.environ, CABRIDGE_CONFIG=config, **extra_env)


def skf_world(build, work):
    state = os.path.join(work, "skf", "state")
    os.makedirs(os.path.join(work, "skf"))
    subprocess.run(["python3", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools",
                                            "pki", "provision-skf.py"), "--pki", work, "--out", state],
                   check=True, stdout=subprocess.DEVNULL)
    library = os.path.join(build, "lib", "test", "libcabridge-softskf.so")
    config = {"id": "hebca-skf", "name": "河北 CA（SKF）", "libraries": [library], "origins": [ORIGIN],
              "pin": {"minLength": 6, "maxLength": 16, "charset": "printable"}}
    env = _world(build, work, "skf", "libcabridge-skf.so", config, {"CABRIDGE_SOFTSKF_DIR": state})
    baseline = os.path.join(build, "bench", "baseline-skf")
    return {"env": env, "list": [baseline, "list", library],
            "auth": lambda n: [baseline, "auth", library, SKF_DEVICE, SKF_APPLICATION, SKF_CONTAINER, PIN, str(n)]}


def p11_world(build, work):
    os.makedirs(os.path.join(work, "p11"))
    module = os.path.join(build, "lib", "test", "libcabridge-softsm2p11.so")
    objects = [{"id": oid, "label": name, "certificate": os.path.join(work, name + ".der"),
                "key": os.path.join(work, name + ".key.pem")} for oid, name in (("01", "sm2-sign"), ("02", "sm2-enc"))]
    module_config = os.path.join(work, "p11", "module.json")
    json.dump({"manufacturer": "SM2 Vendor", "keyType": P11_KEY_TYPE,
               "mechanisms": {"message": "0x80008100", "messageWithId": "0x80008102", "digest": P11_DIGEST_MECHANISM},
               "signature": "raw",
               "tokens": [{"label": P11_TOKEN, "serial": "SM2P11-0001", "pin": PIN, "objects": objects}]},
              open(module_config, "w"))
    config = {"id": "gmvendor", "name": "国密测试 CA", "modules": [module], "origins": [ORIGIN],
              "pin": {"minLength": 4, "maxLength": 16, "charset": "alnum"},
              "sm2": {"keyType": P11_KEY_TYPE, "mechanism": P11_DIGEST_MECHANISM, "style": "digest",
                      "signature": "raw"}}
    env = _world(build, work, "p11", "libcabridge-pkcs11.so", config, {"CABRIDGE_SOFTSM2P11_CONFIG": module_config})
    baseline = os.path.join(build, "bench", "baseline-pkcs11-sm2")
    return {"env": env, "list": [baseline, "list", module],
            "auth": lambda n: [baseline, "auth", module, P11_TOKEN, PIN, "sm2-sign", P11_KEY_TYPE,
                               P11_DIGEST_MECHANISM, str(n)]}


def run_pair(build, work, runs, rounds, world, driver, ask, req_file, label):
    """Cold listing vs the baseline's listing, warm authenticate vs the baseline's login+sign."""
    host_cmd = [os.path.join(build, "bin", "cabridge-host"), "chrome-extension://nojnbkjmnolldjcnebneodoflnialbln/"]
    env = world["env"]
    list_req = {"id": 1, "command": "list-certificates", "origin": ORIGIN, "arguments": {}}
    list_path = req_file(f"{label}-list.json", list_req)
    cold_list = driver(build, ["cold", str(runs), "--", *host_cmd, "--", *world["list"]],
                       dict(env, BENCH_REQUEST=list_path, BENCH_BASELINE_RAW="1"))
    certs = ask(host_cmd, env, list_req)["result"]["certificates"]
    sm2_sign = json.load(open(os.path.join(work, "sm2.json")))
    sha256 = next(c["sha256"] for c in sm2_sign["certificates"] if c["name"] == "sm2-sign").lower()
    cert = next(c for c in certs if c["sha256"] == sha256)
    auth = {"id": 1, "command": "authenticate", "origin": ORIGIN,
            "arguments": {"certificateId": cert["id"], "challenge": "Y2FicmlkZ2UtYmVuY2gtY2hhbGxlbmdlLTMyLWJ5dGU=",
                          "pin": PIN}}
    auth_path = req_file(f"{label}-auth.json", auth)
    per_round = max(4, max(20, runs // 4) // rounds)
    host_ms, host_cpu, raw_ms, raw_cpu, rss = [], [], [], [], 0
    for _ in range(rounds):
        run = driver(build, ["warm", str(per_round), auth_path, "--", *host_cmd], env)
        host_ms += run["host"].pop("samples_ms")
        host_cpu.append(run["host"]["cpu_ms_per_request"])
        rss = max(rss, run["host"]["peak_rss_kb"])
        # The baseline's first iteration (loading caches) is dropped, as the host's warm-up request is.
        raw = subprocess.run(world["auth"](per_round + 1), env=env, capture_output=True, text=True, check=True)
        lines = [line.split() for line in raw.stdout.splitlines()][1:]
        raw_ms += [int(wall) / 1000.0 for wall, _ in lines]
        raw_cpu += [int(cpu) / 1000.0 for _, cpu in lines]
    host_median, raw_median = statistics.median(host_ms), statistics.median(raw_ms)
    host_cpu_ms, raw_cpu_ms = statistics.mean(host_cpu), statistics.mean(raw_cpu)
    return {"certificates_listed": len(certs), "cold_list": cold_list,
            "warm": {"runs": len(host_ms), "rounds": rounds,
                     "host": {"median_ms": host_median, "p90_ms": sorted(host_ms)[int(0.9 * len(host_ms))],
                              "cpu_ms_per_request": host_cpu_ms, "peak_rss_kb": rss},
                     "raw": {"median_ms": raw_median, "cpu_ms_per_request": raw_cpu_ms},
                     "ratio": host_median / raw_median, "cpu_ratio": host_cpu_ms / raw_cpu_ms}}


def report(results, runs, when, load):
    """The SM2 section of docs/benchmarks.md, between markers so that a run of either part keeps
    the other."""
    lines = ["<!-- sm2:begin -->", "## SM2 (SKF and PKCS#11)", "",
             f"Written by `bench/run.py` on {when} UTC (load average {load:.1f} when written), {runs} runs per "
             "cold figure. The host has one plugin (its own plugin directory); the baselines call the same "
             "software token directly: `bench/baseline_skf.cpp` (tests/softskf) and "
             "`bench/baseline_pkcs11_sm2.cpp` (tests/softsm2p11, vendor A's digest mechanism). Both compute "
             "Z and e = SM3(Z || M) with the code the plugins use (common/ sm2), so the ratios measure the "
             "host and the plugin around the same arithmetic. Warm figures: medians of wall time over all "
             "requests of 5 alternating rounds, and CPU time per request (host: all its threads; baseline: its "
             "process), which a busy machine distorts less.", "",
             "| benchmark | cabridge | baseline | ratio | goal |", "|---|---|---|---|---|"]
    names = {"skf": ("SKF", "minimal SKF enumeration", "VerifyPIN + Z + ECCSignData"),
             "p11": ("PKCS#11", "minimal PKCS#11 listing", "C_Login + Z + C_Sign")}
    for key, (iface, list_base, auth_base) in names.items():
        r = results[key]
        cl, w = r["cold_list"], r["warm"]
        lines += [
            f"| cold start -> `list-certificates` over {iface} ({r['certificates_listed']} certificates) | "
            f"{cl['host']['median_ms']:.2f} ms | {cl['baseline']['median_ms']:.2f} ms ({list_base}) | "
            f"{cl['ratio']:.2f}x | <= 1.3x |",
            f"| warm SM2 `authenticate` over {iface} (open connection) | {w['host']['median_ms']:.2f} ms | "
            f"{w['raw']['median_ms']:.2f} ms ({auth_base}) | {w['ratio']:.2f}x | <= 1.2x |",
            f"| warm SM2 `authenticate` over {iface}, CPU per request | {w['host']['cpu_ms_per_request']:.2f} ms | "
            f"{w['raw']['cpu_ms_per_request']:.2f} ms | {w['cpu_ratio']:.2f}x | - |",
        ]
    lines += ["", "Where the time goes and what was changed: [performance.md](performance.md), \"SM2 over SKF and "
              "over PKCS#11\". Reproduce: `python3 bench/run.py --build build --cases sm2`.",
              "", "Raw figures:", "", "```json", json.dumps(results, indent=1), "```", "<!-- sm2:end -->"]
    return "\n".join(lines)


def write_section(path, section):
    """Replaces the SM2 section of `path` (or appends it)."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    begin, end = text.find("<!-- sm2:begin -->"), text.find("<!-- sm2:end -->")
    if begin != -1 and end != -1:
        text = text[:begin] + section + text[end + len("<!-- sm2:end -->"):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    open(path, "w").write(text)
