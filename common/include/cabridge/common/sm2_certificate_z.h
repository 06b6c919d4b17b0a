// Z of the SM2 key in a certificate, remembered per certificate. A login signs with the same
// certificate again and again, and parsing it (OpenSSL 3 decodes the public key through its
// provider machinery) costs more than the rest of the host's work around an SM2 signature
// (docs/performance.md). Z is a function of the public key and the signer ID alone, so an entry
// keyed by the certificate's exact DER bytes and the ID never goes stale.
#pragma once

#include <cabridge/common/sm2.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cabridge::sm2 {

// e = SM3(Z || message) for the SM2 key of `certificateDer` and `signerId`, as computeE.
// nullopt if `certificateDer` is not exactly one DER X.509 certificate whose key is SM2
// (isSm2Key); the caller says why (nothing is remembered for such bytes).
// Throws std::invalid_argument if the signer ID is too long, std::runtime_error if OpenSSL fails.
// Thread-safe; remembers the Z of the last few (certificate, signer ID) pairs.
std::optional<Digest> certificateE(std::span<const std::uint8_t> certificateDer, std::span<const std::uint8_t> message,
                                   std::string_view signerId = kDefaultSignerId);

} // namespace cabridge::sm2
