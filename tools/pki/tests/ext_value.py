#!/usr/bin/env python3
"""ext_value.py CERT.der OID EXPECTED
Exit 0 if the certificate has extension OID whose value is a DER UTF8String equal to
EXPECTED, else print what was found and exit 1. A small DER walker, independent of the
openssl CLI that made the certificate."""
import sys


def tlv(buf, pos):
    tag = buf[pos]
    length = buf[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    return tag, buf[pos:pos + length], pos + length


def children(buf):
    pos = 0
    while pos < len(buf):
        tag, value, pos = tlv(buf, pos)
        yield tag, value


def oid_text(raw):
    first = raw[0]
    arcs = [first // 40, first % 40] if first < 80 else [2, first - 80]
    value = 0
    for b in raw[1:]:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    return ".".join(map(str, arcs))


def extensions(der):
    _, cert, _ = tlv(der, 0)
    _, tbs = next(children(cert))
    for tag, value in children(tbs):
        if tag == 0xA3:  # [3] EXPLICIT Extensions
            _, exts, _ = tlv(value, 0)
            for _, ext in children(exts):
                parts = list(children(ext))
                yield oid_text(parts[0][1]), parts[-1][1]


def main(path, oid, expected):
    der = open(path, "rb").read()
    for ext_oid, octets in extensions(der):
        if ext_oid == oid:
            tag, value, _ = tlv(octets, 0)
            if tag == 0x0C and value.decode("utf-8") == expected:
                return 0
            print(f"{oid}: tag {tag:#x} value {value!r}, expected UTF8String {expected!r}")
            return 1
    print(f"{oid}: not present")
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
