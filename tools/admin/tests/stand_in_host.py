#!/usr/bin/env python3
"""Stand-in for cabridge-host in doctor tests that need a host to misbehave on purpose.

Speaks the host's framing (docs/protocol.md section 1). Behaviour from $CABRIDGE_STAND_IN_MODE:
  answer  (default) status: one working plugin and one broken one; list-certificates: [].
  silent  reads requests and never answers (a hung host).
  crash   exits with status 5 before reading anything.
Like the real host, status names the plugins only when started with --admin-status after the
extension origin (what `cabridge doctor` passes); otherwise the origin is not allowed and the
reply says no more than version, protocol and originAllowed.
"""
import json
import os
import struct
import sys

mode = os.environ.get("CABRIDGE_STAND_IN_MODE", "answer")
if mode == "crash":
    sys.exit(5)

stdin, stdout = sys.stdin.buffer, sys.stdout.buffer


def read_message():
    header = stdin.read(4)
    if len(header) < 4:
        return None
    (length,) = struct.unpack("=I", header)
    return json.loads(stdin.read(length))


def reply(message):
    body = json.dumps(message).encode()
    stdout.write(struct.pack("=I", len(body)) + body)
    stdout.flush()


while (request := read_message()) is not None:
    if mode == "silent":
        continue
    if request["command"] == "status" and "--admin-status" not in sys.argv[2:]:
        reply({"id": request["id"], "result": {"version": "0.0.0-stand-in", "protocol": 1, "originAllowed": False}})
    elif request["command"] == "status":
        reply({"id": request["id"], "result": {
            "version": "0.0.0-stand-in", "protocol": 1, "originAllowed": False,
            "plugins": [
                {"id": "hebca", "name": "HeBCA", "version": "1", "state": "ok"},
                {"id": "broken", "name": "Broken", "version": "1", "state": "error",
                 "error": "library not found"}]}})
    elif request["command"] == "list-certificates":
        reply({"id": request["id"], "result": {"certificates": []}})
    else:
        reply({"id": request["id"], "error": {"code": "UNKNOWN_COMMAND", "message": "?", "details": {}}})
