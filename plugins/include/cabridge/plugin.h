/*
 * cabridge vendor plugin ABI, version 1.
 *
 * A vendor plugin is a shared library that exports one C symbol,
 * `cabridge_plugin_v1`, returning a table of functions (cabridge_plugin_api_v1).
 * The host never links against a plugin; it finds a plugin through a drop-in
 * descriptor file (see docs/plugins.md) and loads its library with dlopen.
 *
 * Why C and JSON: plugins may be built by vendors with other compilers and
 * other C++ runtimes, so nothing C++ crosses this boundary. Structured data
 * (vendor description, token lists, identities) crosses as UTF-8 JSON text so
 * that fields can be added without a new ABI version; the host ignores keys it
 * does not know.
 *
 * Memory: the plugin never hands the host memory to free. Every variable-size
 * output goes through a cabridge_sink that the host supplies; the plugin calls
 * sink.write() any number of times during the call and never after it returns.
 *
 * Threads: the host calls a plugin from one thread at a time, but not always
 * the same thread (create/describe run on a worker thread, token calls on the
 * host's main thread while a watchdog keeps their deadline; list_tokens for a
 * listing of all vendors on the worker thread). A call that passes its deadline
 * is abandoned: the host never calls that plugin again (for most calls it
 * replies to the browser and exits; after list_tokens it goes on without the
 * plugin).
 *
 * Secrets: `login`, `authenticate`, `change_pin`, `unblock_pin`, the enrolment
 * calls and `unblock_with_response` receive PINs
 * as a pointer and a length. The buffers are owned by the host and wiped after
 * the call; a plugin must not keep, copy into long-lived memory, or log them.
 */
#ifndef CABRIDGE_PLUGIN_H
#define CABRIDGE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CABRIDGE_PLUGIN_ABI_VERSION 1u

/* The exported entry point's name, for dlsym. */
#define CABRIDGE_PLUGIN_ENTRY_SYMBOL "cabridge_plugin_v1"

#if defined(_WIN32)
#define CABRIDGE_PLUGIN_EXPORT __declspec(dllexport)
#else
#define CABRIDGE_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/*
 * Result codes. Each maps one-to-one to a wire error code of docs/protocol.md
 * section 6
 * (named in the comment). New codes may be added; the host treats an unknown
 * code as CABRIDGE_ERR_PLUGIN.
 */
typedef enum cabridge_status {
    CABRIDGE_OK = 0,
    CABRIDGE_ERR_NO_TOKEN = 1,              /* NO_TOKEN: the named token is not present */
    CABRIDGE_ERR_CERTIFICATE_NOT_FOUND = 2, /* CERTIFICATE_NOT_FOUND */
    CABRIDGE_ERR_PIN_INCORRECT = 3,         /* PIN_INCORRECT (fill retries_left/final_try) */
    CABRIDGE_ERR_PIN_LOCKED = 4,            /* PIN_LOCKED */
    CABRIDGE_ERR_PIN_INVALID = 5,           /* PIN_INVALID: the token refused the PIN's form */
    CABRIDGE_ERR_TOKEN_REMOVED = 6,         /* TOKEN_REMOVED: pulled out during the call */
    CABRIDGE_ERR_DEVICE = 7,                /* DEVICE_ERROR */
    CABRIDGE_ERR_UNSUPPORTED = 8,           /* INVALID_ARGUMENT: e.g. algorithm the key cannot do */
    CABRIDGE_ERR_NOT_LOGGED_IN = 9,         /* INTERNAL_ERROR: sign without login */
    CABRIDGE_ERR_PLUGIN = 10,               /* PLUGIN_ERROR: anything else inside the plugin */
    CABRIDGE_ERR_INVALID_CONFIG = 11        /* PLUGIN_ERROR at load: the descriptor's config is unusable */
} cabridge_status;

/*
 * Filled by the plugin when a call fails; the host zeroes it before each call.
 * `message` is for the host's log and for administrators (it must never contain
 * a PIN); people see the host's own localized text instead.
 */
typedef struct cabridge_error {
    int32_t retries_left; /* PIN tries left if the token says exactly, else -1 */
    int32_t final_try;    /* 1 if the token reports CKF_USER_PIN_FINAL_TRY */
    uint32_t ckr;         /* raw PKCS#11 CK_RV where there is one, else 0 */
    char message[512];    /* NUL-terminated UTF-8 */
} cabridge_error;

/* Output channel for variable-size results (JSON text or raw bytes). */
typedef struct cabridge_sink {
    void *ctx;
    void (*write)(void *ctx, const uint8_t *data, size_t len);
} cabridge_sink;

typedef struct cabridge_plugin cabridge_plugin; /* a plugin's own instance state */

typedef struct cabridge_plugin_api_v1 {
    /*
     * abi_version must equal CABRIDGE_PLUGIN_ABI_VERSION. struct_size is
     * sizeof(cabridge_plugin_api_v1) as the plugin was compiled: at least
     * CABRIDGE_PLUGIN_API_V1_BASE_SIZE (the eight calls every plugin has).
     * Optional calls added later sit after those; the host treats one that lies
     * beyond struct_size, or is NULL, as absent, so plugins built against an
     * older header keep loading.
     */
    uint32_t abi_version;
    uint32_t struct_size;

    /*
     * Creates an instance. `config_json` is the descriptor's "config" object
     * (always a JSON object, "{}" when absent). Must be cheap: the host calls it
     * to answer `status`, so it must not load a PKCS#11 module or touch a token;
     * do that lazily in the first token call.
     */
    cabridge_status (*create)(const char *config_json, cabridge_plugin **out, cabridge_error *err);

    /* Releases everything the instance holds. NULL is allowed. */
    void (*destroy)(cabridge_plugin *self);

    /*
     * Writes a JSON object describing the vendor:
     *   {"id": "hebca", "name": "河北 CA", "version": "1.0.0",
     *    "origins": ["http://222.222.31.183:25688", ...],   default portal origins
     *    "legacyOrigins": [...],                           ignored: only the administrator's policy grants legacy mode
     *    "enrollOrigins": [...],                           the CA's own sites that may renew keys (generate_key ...)
     *    "onlineUnlock": false,                            optional: this vendor's keys do not unlock online
     *                                                      although the library offers unblock_challenge /
     *                                                      unblock_with_response (a generic plugin whose
     *                                                      descriptor names no such calls); absent or true:
     *                                                      they do whenever the pair is offered
     *    "pin": {"minLength": 4, "maxLength": 16, "charset": "digits"|"alnum"|"printable"},
     *    "help": {"renew": H, "unlock": H, "lost": H, "reinsert": H, "contact": H}}
     * where H is {"text": "…", "url"?: "…", "phone"?: "…"} (Chinese text).
     */
    cabridge_status (*describe)(cabridge_plugin *self, cabridge_sink out, cabridge_error *err);

    /*
     * Writes a JSON array of the tokens present now, with their certificates:
     *   [{"ref": "<plugin-defined token reference>",
     *     "label", "serial", "manufacturer", "model",
     *     "pinFlags": {"countLow": b, "finalTry": b, "locked": b},   live flags
     *     "retriesLeft": n|null,
     *     "certificates": [{"ref": "<plugin-defined certificate reference>",
     *                       "label": "…", "der": "<base64 DER>"}]}]
     * No token present is an empty array, not an error.
     */
    cabridge_status (*list_tokens)(cabridge_plugin *self, cabridge_sink out, cabridge_error *err);

    /*
     * Writes a JSON object with the identity the vendor's certificate profile
     * carries (docs/protocol.md section 3.3, CertInfo.identity): any of
     *   {"unifiedSocialCreditCode", "uscValid", "idNumber", "vendorUniqueId"}.
     * Pure function of the DER; must not touch a token. A certificate the
     * profile does not understand yields "{}", not an error. The host gives
     * CertInfo.identity all four keys, null for those left out.
     */
    cabridge_status (*identify)(cabridge_plugin *self, const uint8_t *der, size_t der_len, cabridge_sink out,
                                cabridge_error *err);

    /* Logs the user in on the token. Exactly one C_Login; never retries. */
    cabridge_status (*login)(cabridge_plugin *self, const char *token_ref, const char *pin, size_t pin_len,
                             cabridge_error *err);

    /*
     * Signs `data` with the private key that belongs to the certificate.
     * `algorithm` names what to do with `data`:
     *   "RS256"   RSASSA-PKCS1-v1_5 with SHA-256 over data
     *   "RS1"     RSASSA-PKCS1-v1_5 with SHA-1 over data (only for the host's legacy
     *             mode with hash "sha1", HeBCA's algorithm 1; a plugin that cannot
     *             answers CABRIDGE_ERR_UNSUPPORTED)
     *   "ES256"   ECDSA P-256 with SHA-256 over data (signature DER-encoded)
     *   "ES384"   ECDSA P-384 with SHA-384 over data (signature DER-encoded)
     *   "SM2-SM3" SM2 with SM3 and signer ID 1234567812345678 (if the vendor can)
     * Writes the raw signature bytes to `out`. Requires a prior successful login.
     */
    cabridge_status (*sign)(cabridge_plugin *self, const char *token_ref, const char *cert_ref, const char *algorithm,
                            const uint8_t *data, size_t data_len, cabridge_sink out, cabridge_error *err);

    /* Ends the login session. Safe to call when not logged in. */
    cabridge_status (*logout)(cabridge_plugin *self, const char *token_ref, cabridge_error *err);

    /* ---- Optional calls (see struct_size). ---- */

    /*
     * Like list_tokens, for one token only: writes a JSON array holding the
     * entry list_tokens would write for the token whose "ref" is `token_ref`,
     * or an empty array when that token is not present now. Read live from the
     * token like list_tokens (nothing cached). Lets the host re-find a
     * certificate it has seen without reading every other token.
     */
    cabridge_status (*list_token)(cabridge_plugin *self, const char *token_ref, cabridge_sink out, cabridge_error *err);

    /*
     * Checks, live and without logging in, that the token whose "ref" is
     * `token_ref` is present now and holds, under `cert_ref` (a certificate
     * reference this plugin wrote in list_tokens/list_token), a certificate
     * whose DER hashes (SHA-256) to the 32 bytes at `cert_sha256`.
     * Returns:
     *   CABRIDGE_OK                        the token is present and holds it;
     *   CABRIDGE_ERR_NO_TOKEN              that token is not present;
     *   CABRIDGE_ERR_CERTIFICATE_NOT_FOUND the token is present, the certificate
     *                                      (or that exact DER) is not on it;
     *   any other status                   the token could not be read.
     * The plugin promises: the answer comes from the token during this call
     * (nothing cached from an earlier call); it never calls C_Login, asks for a
     * PIN, or changes anything on the token (a read-only session is enough:
     * certificates are public objects); a login the plugin still holds may be
     * ended, as list_tokens may. It may keep what it learned about the token's
     * slot for a `login` on that same token that follows immediately, and must
     * drop it on any other call.
     * The host calls it on a warm `authenticate` (a certificate it has seen on
     * this connection) instead of list_token, before its own checks and before
     * `login`, so a certificate that is gone is reported before any PIN is
     * tried. On anything but CABRIDGE_OK the host reads the tokens again as
     * without this call.
     */
    cabridge_status (*check_certificate)(cabridge_plugin *self, const char *token_ref, const char *cert_ref,
                                         const uint8_t *cert_sha256, cabridge_error *err);

    /*
     * A whole login in one call, in one session the plugin opens and closes
     * within it: check that the token `token_ref` holds, under `cert_ref`, the
     * certificate whose DER hashes (SHA-256) to `cert_sha256` (as
     * check_certificate), log the user in with the PIN (exactly one login
     * attempt, never retried), sign `data` with that certificate's key as
     * `sign` does for `algorithm`, write the signature to `signature_out`, and
     * log out, whatever happened.
     * The plugin promises:
     *   - NO_TOKEN / CERTIFICATE_NOT_FOUND come before the PIN is tried, so a
     *     key that is gone never costs a PIN attempt;
     *   - PIN_INCORRECT fills err->retries_left (exact count, or -1 when the
     *     token does not say) and err->final_try from the token's live state
     *     after the failed attempt; PIN_LOCKED when the token locked;
     *   - TOKEN_REMOVED when the token went away during the call;
     *   - on CABRIDGE_OK, `*flags_out` holds CABRIDGE_AUTH_FLAG_* bits (it is
     *     0 otherwise); the PIN buffer is not kept, copied or logged.
     * The host uses this call when present (then it calls neither
     * check_certificate, login, sign nor logout for a login) and falls back to
     * those calls for plugins built without it.
     */
    cabridge_status (*authenticate)(cabridge_plugin *self, const char *token_ref, const char *cert_ref,
                                    const uint8_t *cert_sha256, const char *pin, size_t pin_len, const char *algorithm,
                                    const uint8_t *data, size_t data_len, cabridge_sink signature_out,
                                    uint32_t *flags_out, cabridge_error *err);

    /*
     * Changes the user PIN of the token `token_ref` from `old_pin` to `new_pin`
     * (each a pointer and a length, not NUL-terminated for the plugin's use), in
     * a session the plugin opens and closes within the call.
     * The plugin promises:
     *   - NO_TOKEN when the token is not present, before any PIN is tried;
     *   - exactly one attempt with `old_pin` (never retried); a wrong one is
     *     PIN_INCORRECT with err->retries_left (exact, or -1 when the token does
     *     not say) and err->final_try from the token's live state after the
     *     attempt, PIN_LOCKED when the token is (or became) locked;
     *   - PIN_INVALID when the token refuses the new PIN's form (length,
     *     characters); the old PIN then still holds;
     *   - on CABRIDGE_OK the token accepts `new_pin` and no longer `old_pin`;
     *   - any login it made is ended before it returns; neither PIN buffer is
     *     kept, copied into long-lived memory or logged.
     * The host checks both PINs against the vendor's "pin" rules first, so a
     * PIN outside them never reaches this call. Absent (NULL or beyond
     * struct_size): the host answers that the vendor cannot change a PIN.
     */
    cabridge_status (*change_pin)(cabridge_plugin *self, const char *token_ref, const char *old_pin, size_t old_pin_len,
                                  const char *new_pin, size_t new_pin_len, cabridge_error *err);

    /*
     * Unblocks the token `token_ref`: with the administrator's (security
     * officer's) PIN `so_pin`, sets the user PIN to `new_pin` and so ends a
     * lock of the user PIN (PKCS#11: C_Login(CKU_SO) + C_InitPIN; SKF:
     * SKF_UnblockPIN), in a session the plugin opens and closes within the call.
     * The plugin promises:
     *   - NO_TOKEN when the token is not present, before any PIN is tried;
     *   - exactly one attempt with `so_pin`; PIN_INCORRECT / PIN_LOCKED and
     *     err->retries_left / err->final_try then describe the administrator
     *     PIN (its own counter), never the user PIN's;
     *   - PIN_INVALID when the token refuses the new user PIN's form;
     *   - on CABRIDGE_OK the user PIN is `new_pin`, unlocked, its counter full;
     *   - the SO login is ended before it returns; neither PIN buffer is kept,
     *     copied into long-lived memory or logged.
     * Absent (NULL or beyond struct_size): the host answers that the vendor
     * cannot unblock a PIN.
     */
    cabridge_status (*unblock_pin)(cabridge_plugin *self, const char *token_ref, const char *so_pin, size_t so_pin_len,
                                   const char *new_pin, size_t new_pin_len, cabridge_error *err);

    /* ---- Enrolment: a CA's renewal ("老用户延期") puts a new key and its certificate on the token. ----
     * Key ids: `key_id` is the text the plugin wrote as "keyId" in generate_key or
     * list_keys (PKCS#11: the hex CKA_ID; SKF: the container name). Each of these
     * calls opens and closes its own session; a login it makes (one attempt with
     * `pin`, never retried; PIN errors exactly as change_pin describes) is ended
     * before it returns, and the PIN buffer is not kept, copied or logged.
     * NO_TOKEN when the token is not present, before any PIN is tried. Absent
     * (NULL or beyond struct_size): the host answers that the vendor cannot enrol.
     */

    /*
     * Generates a new key pair of `key_type` ("RSA-2048", "P-256" or "SM2") on
     * the token `token_ref`: the private key is a token object that never leaves
     * it (sensitive, not extractable), under a key id no other key or
     * certificate on the token has. Existing keys and certificates are not
     * touched. Writes one JSON object:
     *   {"keyId": "…", "keyType": "RSA-2048"|"P-256"|"SM2",
     *    "publicKey": "<base64 DER SubjectPublicKeyInfo>"}
     * UNSUPPORTED when the token cannot make that type. A key that never
     * receives its certificate stays as an orphan: list_keys reports it and
     * delete_key removes it.
     */
    cabridge_status (*generate_key)(cabridge_plugin *self, const char *token_ref, const char *key_type, const char *pin,
                                    size_t pin_len, cabridge_sink out, cabridge_error *err);

    /*
     * Signs `data` with the private key `key_id` as `sign` does for a
     * certificate's key (same `algorithm` names), logging in with `pin` within
     * the call. The host uses it for the certification request (PKCS#10) of a
     * key that has no certificate yet, over bytes the host built. Writes the raw
     * signature to `signature_out`. CERTIFICATE_NOT_FOUND when no such key.
     */
    cabridge_status (*sign_with_key)(cabridge_plugin *self, const char *token_ref, const char *key_id, const char *pin,
                                     size_t pin_len, const char *algorithm, const uint8_t *data, size_t data_len,
                                     cabridge_sink signature_out, cabridge_error *err);

    /*
     * Stores the certificate `der` on the token next to the key `key_id` (the
     * host has checked that the certificate's public key is that key's and that
     * it chains to a CA the vendor trusts). `replace_cert_ref`: NULL keeps every
     * other certificate; otherwise the certificate under that reference (as
     * list_tokens wrote it) is removed once the new one is stored, never before.
     * Writes {"ref": "<the new certificate's reference, as list_tokens will
     * write it>"}. CERTIFICATE_NOT_FOUND when no such key.
     */
    cabridge_status (*install_certificate)(cabridge_plugin *self, const char *token_ref, const char *key_id,
                                           const uint8_t *der, size_t der_len, const char *replace_cert_ref,
                                           const char *pin, size_t pin_len, cabridge_sink out, cabridge_error *err);

    /*
     * Writes a JSON array of the signing key pairs on the token `token_ref`,
     * read live without logging in (public objects only):
     *   [{"keyId": "…", "keyType": "RSA-2048"|"P-256"|"SM2"|"other",
     *     "hasCertificate": true|false,
     *     "publicKey": "<base64 DER SubjectPublicKeyInfo>"}]
     * A key with "hasCertificate": false is an orphan (e.g. a renewal that
     * stopped after generate_key). The host compares a certificate to be
     * installed with "publicKey", so a key listed without it cannot receive
     * one (install-certificate answers PLUGIN_ERROR).
     */
    cabridge_status (*list_keys)(cabridge_plugin *self, const char *token_ref, cabridge_sink out, cabridge_error *err);

    /*
     * Removes the key pair `key_id` from the token. Refused with UNSUPPORTED,
     * touching nothing, when a certificate on the token belongs to that key:
     * only orphans are removed this way. CERTIFICATE_NOT_FOUND when no such key.
     */
    cabridge_status (*delete_key)(cabridge_plugin *self, const char *token_ref, const char *key_id, const char *pin,
                                  size_t pin_len, cabridge_error *err);

    /* ---- Online unlock: the key issues a challenge, the CA's server answers it. ----
     * For vendors whose keys unlock without the administrator PIN on the spot:
     * the key's challenge goes to the CA's server (through the CA's web page),
     * which answers with a response only it can compute for that key.
     */

    /*
     * Asks the token `token_ref` for a fresh unlock challenge and writes one
     * JSON object: {"challenge": "<base64 bytes to send to the CA>",
     * "serial": "<the token's serial, for the CA to find its secret>"}. The
     * challenge is good for one unblock_with_response on that token and no
     * other; asking again replaces it. Needs no PIN. PIN_LOCKED when the token
     * takes no more responses; NO_TOKEN when it is not present.
     */
    cabridge_status (*unblock_challenge)(cabridge_plugin *self, const char *token_ref, cabridge_sink out,
                                         cabridge_error *err);

    /*
     * Answers the latest challenge with the CA's `response` and sets the user PIN
     * to `new_pin`, ending its lock, as unblock_pin does. PIN_INCORRECT when the
     * token refused the response (err->retries_left: the token's count of
     * refused responses left, or -1), PIN_LOCKED when it no longer takes any,
     * PIN_INVALID when it refuses the new PIN's form. The new PIN buffer is not
     * kept, copied or logged.
     */
    cabridge_status (*unblock_with_response)(cabridge_plugin *self, const char *token_ref, const uint8_t *response,
                                             size_t response_len, const char *new_pin, size_t new_pin_len,
                                             cabridge_error *err);
} cabridge_plugin_api_v1;

/*
 * authenticate's flags_out bits.
 * PIN_TO_BE_CHANGED: the token says the user PIN is still the initial one
 * (PKCS#11 CKF_USER_PIN_TO_BE_CHANGED, SKF's default-PIN flag), so the
 * extension can ask the person to change it.
 */
#define CABRIDGE_AUTH_FLAG_PIN_TO_BE_CHANGED 0x1u

/* Size of the table up to and including `logout`: the calls every v1 plugin has. */
#define CABRIDGE_PLUGIN_API_V1_BASE_SIZE (offsetof(cabridge_plugin_api_v1, logout) + sizeof(void (*)(void)))

/*
 * The entry point a plugin exports. `host_abi_version` is the highest ABI the
 * host speaks; a plugin returns its table for that version or NULL if it
 * cannot serve it.
 */
typedef const cabridge_plugin_api_v1 *(*cabridge_plugin_entry_fn)(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* CABRIDGE_PLUGIN_H */
