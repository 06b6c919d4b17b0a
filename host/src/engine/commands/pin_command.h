// What `change-pin` and `unblock-pin` share (docs/protocol.md): taking a PIN out of the
// request into a wiped buffer, the form checks made before the token is touched, and finding
// the certificate whose token is meant.
#pragma once

#include "command_context.h"
#include "secret_buffer.h"

#include <memory>
#include <string>
#include <string_view>

namespace cabridge {

// Moves the string argument `key` into a SecretBuffer, wipes the JSON copy and removes the key.
// nullptr when absent; INVALID_ARGUMENT when it is not a string (after wiping what it can).
std::unique_ptr<const SecretBuffer> takeSecretArgument(nlohmann::json& arguments, std::string_view key);

// A PIN command's arguments: the secret that proves the right (`currentKey`: "oldPin" or "soPin",
// or, where the command offers one, `alternativeKey`: unblock-pin's "response"), "newPin" and
// "certificateId". The secrets leave the JSON first, so no later failure can leave them behind;
// then no other key is allowed and each is required (INVALID_ARGUMENT naming the first one
// missing). With an `alternativeKey`, exactly one of the two proofs is given (both or neither:
// INVALID_ARGUMENT, details.exactlyOneOf).
struct PinCommandArguments {
    std::unique_ptr<const SecretBuffer> currentPin;  // the proof, under whichever key it came
    std::unique_ptr<const SecretBuffer> newPin;
    std::string certificateId;
    bool alternative = false;  // the proof came under `alternativeKey`
};
PinCommandArguments takePinCommandArguments(nlohmann::json& arguments, std::string_view currentKey,
                                            std::string_view alternativeKey = {});

// The longest administrator PIN the host passes on. The SO PIN is not held to the vendor's
// user PIN rules (a token's administrator PIN has rules of its own, often longer), only to a
// sane form: 1..kMaxSoPinLength bytes of printable ASCII.
inline constexpr std::size_t kMaxSoPinLength = 64;

// PIN_INVALID (details.key = `key`) unless `pin` fits the vendor's PIN rules.
void requirePinFitsRules(const LoadedPlugin& plugin, const SecretBuffer& pin, std::string_view key);
// PIN_INVALID (details.key "soPin") unless `pin` has the administrator PIN's form (above).
void requireSoPinForm(const SecretBuffer& pin);

// The certificate `certificateId` read live from its token (never taken from the connection's
// memory unchecked: a PIN attempt must hit the token the person chose), after which the
// origin must be allowed for its vendor. CERTIFICATE_NOT_FOUND / ORIGIN_NOT_ALLOWED otherwise.
CertificateEntry findCertificateForPinCommand(CommandContext& context, const std::string& certificateId,
                                              const std::string& origin);

}  // namespace cabridge
