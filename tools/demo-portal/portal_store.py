"""The demo portal's state in one SQLite file: accounts, certificate
bindings, challenges and sessions. All rules a real portal must get right live
here (and are unit-tested): a challenge is random, short-lived, usable once and
only for what it was issued for (CA login, or binding by one account); one
organisation binds one account and one account one organisation.

A binding is by the organisation's 统一社会信用代码 (unified social credit code) as the verified
certificate states it, not by the certificate's fingerprint: a renewed certificate (new key, new
serial, same organisation; "老用户延期") logs in to the same account without binding again. The
fingerprint and expiry of the certificate last used are kept only to show them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

CHALLENGE_BYTES = 32
CHALLENGE_LIFETIME_S = 120
SESSION_LIFETIME_S = 3600
PBKDF2_ROUNDS = 100_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_salt BLOB NOT NULL,
  password_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS bindings (
  account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id),
  credit_code TEXT NOT NULL UNIQUE,
  cert_sha256 TEXT NOT NULL,
  holder TEXT NOT NULL,
  organisation TEXT NOT NULL,
  not_after TEXT NOT NULL,
  bound_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS challenges (
  id TEXT PRIMARY KEY,
  challenge BLOB NOT NULL,
  expires_at REAL NOT NULL,
  used INTEGER NOT NULL DEFAULT 0,
  purpose TEXT NOT NULL DEFAULT 'login'
);
CREATE TABLE IF NOT EXISTS sessions (
  token TEXT PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  expires_at REAL NOT NULL,
  method TEXT NOT NULL
);
"""


# GB 32100: 18 characters of digits and capital letters without I, O, S, V, Z.
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}$")
BINDING_COLUMNS = "account_id, cert_sha256, holder, organisation, credit_code, not_after"


class PortalError(Exception):
    """A refusal with a stable code and a Chinese message for the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str


@dataclass(frozen=True)
class Binding:
    account_id: int
    cert_sha256: str
    holder: str
    organisation: str
    credit_code: str
    not_after: str


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PBKDF2_ROUNDS)


class PortalStore:
    def __init__(self, path: str, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()  # one writer at a time; the server is threaded
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._migrate_fingerprint_bindings()
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(challenges)")}
        if "purpose" not in columns:  # a database made before challenges had a purpose
            self._db.execute("ALTER TABLE challenges ADD COLUMN purpose TEXT NOT NULL DEFAULT 'login'")

    def _migrate_fingerprint_bindings(self) -> None:
        """A database made when bindings were by fingerprint: its bindings move to the credit code
        (one per code; bindings without a code cannot log in any more and are dropped)."""
        row = self._db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bindings'").fetchone()
        if not row or "cert_sha256 TEXT NOT NULL UNIQUE" not in row[0]:
            return
        with self._lock:
            self._db.execute("ALTER TABLE bindings RENAME TO bindings_by_fingerprint")
            self._db.executescript(SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO bindings(account_id, credit_code, cert_sha256, holder, organisation, not_after, bound_at)"
                " SELECT account_id, credit_code, cert_sha256, holder, organisation, not_after, bound_at"
                " FROM bindings_by_fingerprint WHERE credit_code != '' ORDER BY bound_at")
            self._db.execute("DROP TABLE bindings_by_fingerprint")

    def close(self) -> None:
        self._db.close()

    # --- accounts -----------------------------------------------------------
    def create_account(self, username: str, password: str, display_name: str) -> Account:
        salt = secrets.token_bytes(16)
        with self._lock:
            try:
                cur = self._db.execute(
                    "INSERT INTO accounts(username, display_name, password_salt, password_hash) VALUES (?,?,?,?)",
                    (username, display_name, salt, _hash_password(password, salt)))
            except sqlite3.IntegrityError:
                raise PortalError("ACCOUNT_EXISTS", f"账号 {username} 已存在。") from None
        return Account(cur.lastrowid, username, display_name)

    def has_accounts(self) -> bool:
        return self._db.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None

    def check_password(self, username: str, password: str) -> Account:
        row = self._db.execute(
            "SELECT id, username, display_name, password_salt, password_hash FROM accounts WHERE username = ?",
            (username,)).fetchone()
        # Hash even for unknown users so timing does not reveal which accounts exist.
        salt = row[3] if row else b"\0" * 16
        digest = _hash_password(password, salt)
        if not row or not hmac.compare_digest(digest, row[4]):
            raise PortalError("BAD_PASSWORD", "账号或密码错误。")
        return Account(row[0], row[1], row[2])

    def account(self, account_id: int) -> Account | None:
        row = self._db.execute("SELECT id, username, display_name FROM accounts WHERE id = ?", (account_id,)).fetchone()
        return Account(*row) if row else None

    # --- certificate bindings ---------------------------------------------
    def binding_for_account(self, account_id: int) -> Binding | None:
        row = self._db.execute(f"SELECT {BINDING_COLUMNS} FROM bindings WHERE account_id = ?", (account_id,)).fetchone()
        return Binding(*row) if row else None

    def binding_for_credit_code(self, credit_code: str) -> Binding | None:
        row = self._db.execute(f"SELECT {BINDING_COLUMNS} FROM bindings WHERE credit_code = ?",
                               (credit_code.upper(),)).fetchone()
        return Binding(*row) if row else None

    @staticmethod
    def _checked(cert_sha256: str, credit_code: str) -> tuple[str, str]:
        sha = cert_sha256.lower()
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise PortalError("BAD_CERTIFICATE", "证书指纹格式不正确。")
        code = (credit_code or "").upper()
        if not code:
            raise PortalError("NO_CREDIT_CODE", "该证书不含统一社会信用代码，不能绑定单位账号。请使用本单位的单位证书。")
        if not CREDIT_CODE.match(code):
            raise PortalError("BAD_CREDIT_CODE", "证书中的统一社会信用代码格式不正确，不能绑定。")
        return sha, code

    def bind(self, account_id: int, cert_sha256: str, holder: str, organisation: str,
             credit_code: str, not_after: str) -> Binding:
        sha, code = self._checked(cert_sha256, credit_code)
        with self._lock:
            if self.binding_for_account(account_id):
                raise PortalError("ACCOUNT_ALREADY_BOUND", "该账号已绑定 CA 证书，如需更换请先解除绑定。")
            if self.binding_for_credit_code(code):
                raise PortalError("CERTIFICATE_BOUND_ELSEWHERE",
                                  "该单位（统一社会信用代码相同）的证书已绑定到其他账号，一个单位只能绑定一个账号。")
            self._db.execute(
                "INSERT INTO bindings(account_id, credit_code, cert_sha256, holder, organisation, not_after, bound_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (account_id, code, sha, holder, organisation, not_after, self._clock()))
        return Binding(account_id, sha, holder, organisation, code, not_after)

    def note_certificate(self, credit_code: str, cert_sha256: str, holder: str, organisation: str,
                         not_after: str) -> Binding | None:
        """After a CA login: the binding of `credit_code` now shows the certificate that logged in
        (a renewed one has a new fingerprint and expiry). None when the code is not bound."""
        sha, code = self._checked(cert_sha256, credit_code)
        with self._lock:
            self._db.execute("UPDATE bindings SET cert_sha256 = ?, holder = ?, organisation = ?, not_after = ?"
                             " WHERE credit_code = ?", (sha, holder, organisation, not_after, code))
        return self.binding_for_credit_code(code)

    def unbind(self, account_id: int) -> None:
        with self._lock:
            cur = self._db.execute("DELETE FROM bindings WHERE account_id = ?", (account_id,))
        if cur.rowcount == 0:
            raise PortalError("NOT_BOUND", "该账号尚未绑定 CA 证书。")

    # --- challenges -------------------------------------------------------------
    # A challenge serves one purpose: "login" (CA login, anyone) or "bind:<account id>" (CA
    # binding by that account only), so a token made for one cannot be used for the other.
    @staticmethod
    def bind_purpose(account_id: int) -> str:
        return f"bind:{account_id}"

    def issue_challenge(self, purpose: str = "login") -> tuple[str, str, int]:
        """Returns (challenge id, base64 challenge, lifetime in seconds)."""
        challenge_id = secrets.token_hex(16)
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        now = self._clock()
        with self._lock:
            self._db.execute("DELETE FROM challenges WHERE expires_at < ?", (now - CHALLENGE_LIFETIME_S,))
            self._db.execute("INSERT INTO challenges(id, challenge, expires_at, purpose) VALUES (?,?,?,?)",
                             (challenge_id, challenge, now + CHALLENGE_LIFETIME_S, purpose))
        return challenge_id, base64.b64encode(challenge).decode("ascii"), CHALLENGE_LIFETIME_S

    def consume_challenge(self, challenge_id: str, purpose: str = "login") -> bytes:
        """The challenge bytes, if issued for `purpose`, unused and alive. The first attempt
        uses it up whether or not the login or binding then succeeds, so a token cannot be
        replayed."""
        what = "登录" if purpose == "login" else "绑定"
        with self._lock:
            row = self._db.execute("SELECT challenge, expires_at, used, purpose FROM challenges WHERE id = ?",
                                   (challenge_id,)).fetchone()
            if row is None:
                raise PortalError("CHALLENGE_UNKNOWN", f"{what}请求无效，请刷新页面后重试。")
            self._db.execute("UPDATE challenges SET used = 1 WHERE id = ?", (challenge_id,))
        challenge, expires_at, used, issued_for = row
        if issued_for != purpose:
            raise PortalError("CHALLENGE_UNKNOWN", f"{what}请求无效，请刷新页面后重试。")
        if used:
            raise PortalError("CHALLENGE_USED", f"该{what}请求已使用过，请重试。")
        if self._clock() > expires_at:
            raise PortalError("CHALLENGE_EXPIRED", f"{what}请求已超时，请重试。")
        return bytes(challenge)

    # --- sessions -------------------------------------------------------------
    def open_session(self, account_id: int, method: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute("INSERT INTO sessions(token, account_id, expires_at, method) VALUES (?,?,?,?)",
                             (token, account_id, self._clock() + SESSION_LIFETIME_S, method))
        return token

    def session(self, token: str) -> tuple[Account, str] | None:
        row = self._db.execute("SELECT account_id, expires_at, method FROM sessions WHERE token = ?", (token,)).fetchone()
        if not row or self._clock() > row[1]:
            return None
        account = self.account(row[0])
        return (account, row[2]) if account else None

    def close_session(self, token: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE token = ?", (token,))
