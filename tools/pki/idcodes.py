#!/usr/bin/env python3
"""Check characters of Chinese identity numbers, used to build the test PKI.

  idcodes.py uscc BODY16 [BODY16 ...] -> one 18-char unified social credit code (GB 32100-2015).
                              BODY16 = registration authority (1) + type (1) +
                              region (6) + organisation code body (8); the
                              organisation code check (GB 11714) and the
                              credit code check are computed.
  idcodes.py uscc-check CODE18  -> exit 0 if CODE18 is a valid credit code, 1 if not.
  idcodes.py resident BODY17 -> 18-char resident ID number (GB 11643).
  idcodes.py resident-check ID18 -> exit 0 if valid, 1 if not.
"""
import sys

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def org_code_check(body8: str) -> str:
    """GB 11714: digits count as their value, letters A..Z as 10..35."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    return (len(code) == 18 and all(ch in USCC_ALPHABET for ch in code)
            and uscc_check(code[:17]) == code[17])


def make_uscc(body16: str) -> str:
    if len(body16) != 16 or any(ch not in USCC_ALPHABET for ch in body16):
        raise ValueError("credit code body must be 16 characters of " + USCC_ALPHABET)
    first17 = body16 + org_code_check(body16[8:])
    if first17[16] not in USCC_ALPHABET:  # 'X' is not in the credit code alphabet
        raise ValueError("organisation code check is X; pick another body")
    return first17 + uscc_check(first17)


def resident_check(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def resident_valid(id18: str) -> bool:
    return (len(id18) == 18 and id18[:17].isdigit()
            and resident_check(id18[:17]) == id18[17])


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, arg = argv[1], argv[2]
    if cmd == "uscc":
        for body in argv[2:]:
            print(make_uscc(body))
    elif len(argv) != 3:
        sys.exit(__doc__)
    elif cmd == "uscc-check":
        sys.exit(0 if uscc_valid(arg) else 1)
    elif cmd == "resident":
        if len(arg) != 17 or not arg.isdigit():
            sys.exit("resident ID body must be 17 digits")
        print(arg + resident_check(arg))
    elif cmd == "resident-check":
        sys.exit(0 if resident_valid(arg) else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
