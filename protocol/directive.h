// protocol/directive.h -- sealing a directive for its recipients, and the
// checks a gateway and a recipient run on one.
//
// Sign-then-encrypt, with everything bound inside the signature: issuer,
// gateway, the content ciphertext, and the recipients with their key wraps
// through the RFC 6962 root of the recipient list. The content is encrypted
// once under a random key, with the header's exact bytes as associated data;
// the key is wrapped per recipient (crypto/key_agreement.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/key_agreement.h"
#include "crypto/key_resolver.h"
#include "crypto/signing.h"
#include "protocol/messages.h"

namespace tocsin::protocol {

inline constexpr std::string_view kContentContext{"tocsin/content/v1\0", 18};
inline constexpr std::string_view kWrapContext{"tocsin/wrap/v1\0", 15};
inline constexpr std::string_view kKeyCommitmentContext{"tocsin/key-commitment/v1\0", 25};
inline constexpr std::string_view kCosignerWrapContext{"tocsin/cosigner-wrap/v1\0", 24};

// The key id of an agency's encryption key (RecipientWrap::key_id).
KeyId EncryptionKeyId(const crypto::PublicKey& encryption_key);

// SHA-256(kKeyCommitmentContext || content_key): what the header's
// key_commitment must equal. SHA-256 is collision resistant, so one header
// commits to one key, and the key stays secret (a 256-bit preimage).
crypto::Digest ContentKeyCommitment(ByteView content_key);

// What an issuer writes. SealDirective fills in the header's id,
// ephemeral_key, recipient_count, recipients_root and content_nonce, and
// sorts its sectors.
struct DirectiveDraft {
  DirectiveHeader header;
  DirectiveContent content;
};

// A recipient whose encryption certificate the issuer has verified.
struct RecipientKey {
  std::string agency;
  crypto::PublicKey encryption_key{};
};

// The content key wrapped for an operator who is to co-sign (6.4's wrap
// with the directive's ephemeral key, under kCosignerWrapContext): not part
// of the envelope, it travels to that operator beside it, so that they read
// exactly what they sign. The header's key commitment vouches for the key.
struct CosignerWrap {
  DirectiveId directive_id{};
  std::string cosigner;  // operator id
  Bytes wrapped_key;     // 48 bytes
};
Bytes EncodeCosignerWrap(const CosignerWrap& wrap);
Result<CosignerWrap> DecodeCosignerWrap(ByteView bytes);
Bytes CosignerWrapAssociatedData(const DirectiveId& id, std::string_view cosigner);

struct SealedDirective {
  DirectiveId id{};
  crypto::Digest digest{};  // SHA-256 of the signed body; receipts cite it
  Envelope envelope;        // every recipient; add co-signatures before encoding
  std::vector<CosignerWrap> cosigner_wraps;  // one per co-signer asked for
};

// Encrypts, wraps and signs. Fails with kInvalidArgument when the draft
// breaks a protocol rule (the same rules a receiver enforces) or names a
// recipient twice.
Result<SealedDirective> SealDirective(const DirectiveDraft& draft,
                                      std::vector<RecipientKey> recipients,
                                      const crypto::SigningKey& issuer_key);

// The same under a given id: what SealDirective does with a fresh random
// one. Only for re-sealing under an id on purpose (a hostile issuer in the
// tests); two directives under one id are an alarm for every receiver.
Result<SealedDirective> SealDirectiveAs(const DirectiveId& id, const DirectiveDraft& draft,
                                        std::vector<RecipientKey> recipients,
                                        const crypto::SigningKey& issuer_key);

// SealDirective, and the content key wrapped for each of `cosigners`
// (operators, by their encryption keys) in SealedDirective::cosigner_wraps.
Result<SealedDirective> SealDirectiveForCosigners(const DirectiveDraft& draft,
                                                  std::vector<RecipientKey> recipients,
                                                  const std::vector<RecipientKey>& cosigners,
                                                  const crypto::SigningKey& issuer_key);

struct DirectiveChecks {
  std::string gateway;                 // the gateway the directive must name
  UnixMillis now = 0;
  std::size_t min_signatures = 1;      // distinct operator keys required
  UnixMillis max_clock_skew = kMaxClockSkew;
  // False only for a co-signer reading a directive before adding their own
  // signature: the header's required_signatures is not yet met.
  bool require_header_signatures = true;
};

struct VerifiedDirective {
  Envelope envelope;
  DirectiveHeader header;
  DirectiveBody body;
  RecipientSet recipients;  // proven against header.recipients_root
  crypto::Digest digest{};
  std::vector<std::string> signers;
  std::size_t distinct_signers = 0;  // distinct operator keys among them

  // True when `recipients` lists every recipient (what a gateway accepts).
  bool complete() const { return recipients.entries.size() == header.recipient_count; }
};

// What the gateway runs: signatures (before the body is parsed; every signer
// an operator, the first one the issuer), structure, gateway, time window,
// and the recipient set against the signed root (kBadSignature if it does not
// match). Expired or future-dated directives fail with kExpired.
Result<VerifiedDirective> VerifyDirective(ByteView wire, crypto::KeyResolver& resolver,
                                          const DirectiveChecks& checks);

// The header a directive envelope carries, decoded and checked for shape
// only: nothing is verified. For finding what a copy claims to be (its id,
// its action) before or without the checks above.
Result<DirectiveHeader> PeekDirectiveHeader(ByteView wire);

struct OpenedDirective {
  VerifiedDirective verified;
  DirectiveContent content;
};

// What a recipient runs: VerifyDirective, then that `self_id` is among the
// proven recipients (kPermissionDenied otherwise), then unwrap and decrypt
// (kBadSignature when the wrap or the ciphertext does not authenticate).
// On failure `why`, when given, receives the reason a signed refusal states.
Result<OpenedDirective> OpenDirective(ByteView wire, crypto::KeyResolver& resolver,
                                      const DirectiveChecks& checks,
                                      std::string_view self_id,
                                      const crypto::X25519KeyPair& self_key,
                                      RefusalReason* why = nullptr);

// For a co-signer: unwraps `wrap` with their own key, checks it against the
// header's key commitment, and decrypts the content of `verified` with it:
// exactly what every recipient will read.
Result<DirectiveContent> OpenAsCosigner(const VerifiedDirective& verified, const CosignerWrap& wrap,
                                        std::string_view self_id,
                                        const crypto::X25519KeyPair& self_key);

// The Merkle leaf hash of one recipient entry.
crypto::Digest RecipientLeafHash(const RecipientWrap& recipient);

// The associated data of a key wrap: kWrapContext || id || agency.
Bytes WrapAssociatedData(const DirectiveId& id, std::string_view agency);
// The associated data of the content: kContentContext || header bytes.
Bytes ContentAssociatedData(ByteView header_bytes);

}  // namespace tocsin::protocol
