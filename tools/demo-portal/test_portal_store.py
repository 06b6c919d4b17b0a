"""Unit tests of the demo portal's challenge, binding, account and session rules."""

import base64
import os
import sqlite3
import tempfile
import unittest

from portal_store import CHALLENGE_LIFETIME_S, PortalError, PortalStore

SHA_A = "a" * 64
SHA_B = "b" * 64
CODE_A = "91130100MA0F3T5X8U"
CODE_B = "91130100MA07RK3C2F"


class Clock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now


class StoreTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "portal.sqlite")
        self.clock = Clock()
        self.store = PortalStore(self.path, clock=self.clock)
        self.alice = self.store.create_account("alice", "pw-alice", "甲公司")
        self.bob = self.store.create_account("bob", "pw-bob", "乙公司")

    def tearDown(self):
        self.store.close()
        self.dir.cleanup()

    def assertRefused(self, code, fn, *args):
        with self.assertRaises(PortalError) as ctx:
            fn(*args)
        self.assertEqual(ctx.exception.code, code)
        self.assertTrue(ctx.exception.message)  # a Chinese text for the person

    # challenges
    def test_challenge_is_32_random_bytes_and_unique(self):
        ids, values = set(), set()
        for _ in range(50):
            cid, b64, life = self.store.issue_challenge()
            self.assertEqual(len(base64.b64decode(b64)), 32)
            self.assertEqual(life, CHALLENGE_LIFETIME_S)
            ids.add(cid)
            values.add(b64)
        self.assertEqual(len(ids), 50)
        self.assertEqual(len(values), 50)

    def test_challenge_consumed_returns_the_issued_bytes(self):
        cid, b64, _ = self.store.issue_challenge()
        self.assertEqual(self.store.consume_challenge(cid), base64.b64decode(b64))

    def test_challenge_is_single_use(self):
        cid, _, _ = self.store.issue_challenge()
        self.store.consume_challenge(cid)
        self.assertRefused("CHALLENGE_USED", self.store.consume_challenge, cid)

    def test_challenge_expires(self):
        cid, _, _ = self.store.issue_challenge()
        self.clock.now += CHALLENGE_LIFETIME_S + 1
        self.assertRefused("CHALLENGE_EXPIRED", self.store.consume_challenge, cid)

    def test_expired_attempt_still_uses_the_challenge_up(self):
        cid, _, _ = self.store.issue_challenge()
        self.clock.now += CHALLENGE_LIFETIME_S + 1
        self.assertRefused("CHALLENGE_EXPIRED", self.store.consume_challenge, cid)
        self.clock.now -= CHALLENGE_LIFETIME_S + 1
        self.assertRefused("CHALLENGE_USED", self.store.consume_challenge, cid)

    def test_unknown_challenge_refused(self):
        self.assertRefused("CHALLENGE_UNKNOWN", self.store.consume_challenge, "00" * 16)

    def test_challenge_serves_only_its_purpose_and_is_used_up_by_a_wrong_one(self):
        bind_alice = PortalStore.bind_purpose(self.alice.id)
        cid, b64, _ = self.store.issue_challenge(bind_alice)
        self.assertEqual(self.store.consume_challenge(cid, bind_alice), base64.b64decode(b64))
        for issued_for, tried_for in ((bind_alice, "login"), ("login", bind_alice),
                                      (bind_alice, PortalStore.bind_purpose(self.bob.id))):
            cid, _, _ = self.store.issue_challenge(issued_for)
            self.assertRefused("CHALLENGE_UNKNOWN", self.store.consume_challenge, cid, tried_for)
            self.assertRefused("CHALLENGE_USED", self.store.consume_challenge, cid, issued_for)

    def test_database_without_challenge_purposes_is_upgraded(self):
        self.store.close()
        old = os.path.join(self.dir.name, "old.sqlite")
        db = sqlite3.connect(old)
        db.execute("CREATE TABLE challenges (id TEXT PRIMARY KEY, challenge BLOB NOT NULL, "
                   "expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0)")
        db.execute("INSERT INTO challenges(id, challenge, expires_at) VALUES ('old', x'00', ?)", (self.clock.now + 60,))
        db.commit()
        db.close()
        self.store = PortalStore(old, clock=self.clock)
        self.assertEqual(self.store.consume_challenge("old"), b"\0")  # an old challenge is a login one
        cid, _, _ = self.store.issue_challenge(PortalStore.bind_purpose(1))
        self.assertRefused("CHALLENGE_UNKNOWN", self.store.consume_challenge, cid)

    def test_challenges_survive_reopening_the_database(self):
        cid, b64, _ = self.store.issue_challenge()
        self.store.close()
        self.store = PortalStore(self.path, clock=self.clock)
        self.assertEqual(self.store.consume_challenge(cid), base64.b64decode(b64))

    # bindings: by credit code, so a renewed certificate (new fingerprint) finds its account
    def test_bind_and_find_by_credit_code(self):
        self.store.bind(self.alice.id, SHA_A.upper(), "甲公司", "甲公司", CODE_A.lower(), "2027-01-01")
        found = self.store.binding_for_credit_code(CODE_A)
        self.assertEqual(found.account_id, self.alice.id)
        self.assertEqual((found.cert_sha256, found.credit_code), (SHA_A, CODE_A))
        self.assertEqual(self.store.binding_for_account(self.alice.id).credit_code, CODE_A)
        self.assertIsNone(self.store.binding_for_credit_code(CODE_B))

    def test_renewed_certificate_keeps_the_binding_and_is_noted(self):
        self.store.bind(self.alice.id, SHA_A, "甲公司", "甲公司", CODE_A, "2027-01-01")
        noted = self.store.note_certificate(CODE_A, SHA_B, "甲公司", "甲公司", "2029-01-01")
        self.assertEqual((noted.account_id, noted.cert_sha256, noted.not_after), (self.alice.id, SHA_B, "2029-01-01"))
        self.assertIsNone(self.store.note_certificate(CODE_B, SHA_B, "乙", "乙", "2029"))

    def test_organisation_bound_to_another_account_refused(self):
        self.store.bind(self.alice.id, SHA_A, "h", "o", CODE_A, "2027")
        # Another certificate of the same organisation (same code) is the same binding.
        self.assertRefused("CERTIFICATE_BOUND_ELSEWHERE", self.store.bind, self.bob.id, SHA_B, "h", "o", CODE_A, "2027")
        self.assertIsNone(self.store.binding_for_account(self.bob.id))

    def test_account_already_bound_must_unbind_first(self):
        self.store.bind(self.alice.id, SHA_A, "h", "o", CODE_A, "2027")
        self.assertRefused("ACCOUNT_ALREADY_BOUND", self.store.bind, self.alice.id, SHA_B, "h", "o", CODE_B, "2027")
        self.store.unbind(self.alice.id)
        self.store.bind(self.alice.id, SHA_B, "h", "o", CODE_B, "2027")
        self.assertIsNone(self.store.binding_for_credit_code(CODE_A))

    def test_unbind_frees_the_organisation_for_another_account(self):
        self.store.bind(self.alice.id, SHA_A, "h", "o", CODE_A, "2027")
        self.store.unbind(self.alice.id)
        self.store.bind(self.bob.id, SHA_A, "h", "o", CODE_A, "2027")
        self.assertEqual(self.store.binding_for_credit_code(CODE_A).account_id, self.bob.id)

    def test_unbind_without_binding_refused(self):
        self.assertRefused("NOT_BOUND", self.store.unbind, self.alice.id)

    def test_malformed_fingerprint_or_credit_code_refused(self):
        self.assertRefused("BAD_CERTIFICATE", self.store.bind, self.alice.id, "xyz", "h", "o", CODE_A, "2027")
        self.assertRefused("NO_CREDIT_CODE", self.store.bind, self.alice.id, SHA_A, "张三", "", "", "2027")
        for bad in ("91130100MA0F3T5X8", "91130100MA0F3T5X8UU", "91130100MA0F3T5XIU", "9113010 MA0F3T5X8U"):
            self.assertRefused("BAD_CREDIT_CODE", self.store.bind, self.alice.id, SHA_A, "h", "o", bad, "2027")
        self.assertIsNone(self.store.binding_for_account(self.alice.id))

    def test_fingerprint_bindings_of_an_older_database_move_to_the_credit_code(self):
        self.store.close()
        os.remove(self.path)
        db = sqlite3.connect(self.path)
        db.executescript("""
            CREATE TABLE accounts (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
              password_salt BLOB NOT NULL, password_hash BLOB NOT NULL);
            CREATE TABLE bindings (account_id INTEGER NOT NULL UNIQUE REFERENCES accounts(id),
              cert_sha256 TEXT NOT NULL UNIQUE, holder TEXT NOT NULL, organisation TEXT NOT NULL,
              credit_code TEXT NOT NULL, not_after TEXT NOT NULL, bound_at REAL NOT NULL);
            INSERT INTO accounts VALUES (1, 'a', 'A', x'00', x'00'), (2, 'b', 'B', x'00', x'00'), (3, 'c', 'C', x'00', x'00');
        """)
        db.execute("INSERT INTO bindings VALUES (1, ?, 'h', 'o', ?, '2027', 1)", (SHA_A, CODE_A))
        db.execute("INSERT INTO bindings VALUES (2, ?, 'h', 'o', ?, '2027', 2)", (SHA_B, CODE_A))  # same code: dropped
        db.execute("INSERT INTO bindings VALUES (3, ?, '张三', '', '', '2027', 3)", ("c" * 64,))      # no code: dropped
        db.commit()
        db.close()
        self.store = PortalStore(self.path, clock=self.clock)
        self.assertEqual(self.store.binding_for_credit_code(CODE_A).account_id, 1)
        self.assertIsNone(self.store.binding_for_account(2))
        self.assertIsNone(self.store.binding_for_account(3))
        self.store.close()
        self.store = PortalStore(self.path, clock=self.clock)  # a second open leaves it alone
        self.assertEqual(self.store.binding_for_credit_code(CODE_A).cert_sha256, SHA_A)

    # accounts and sessions
    def test_password_check(self):
        self.assertEqual(self.store.check_password("alice", "pw-alice").id, self.alice.id)
        self.assertRefused("BAD_PASSWORD", self.store.check_password, "alice", "pw-bob")
        self.assertRefused("BAD_PASSWORD", self.store.check_password, "nobody", "pw")

    def test_duplicate_account_refused(self):
        self.assertRefused("ACCOUNT_EXISTS", self.store.create_account, "alice", "x", "y")

    def test_session_lifecycle(self):
        token = self.store.open_session(self.alice.id, "ca")
        account, method = self.store.session(token)
        self.assertEqual((account.id, method), (self.alice.id, "ca"))
        self.store.close_session(token)
        self.assertIsNone(self.store.session(token))

    def test_session_expires(self):
        token = self.store.open_session(self.alice.id, "password")
        self.clock.now += 3601
        self.assertIsNone(self.store.session(token))


if __name__ == "__main__":
    unittest.main()
