#include "protocol/directive.h"

#include "crypto/secret_bytes.h"

#include <algorithm>

#include "common/parallel.h"
#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "protocol/signed_envelope.h"
#include "protocol/strict_msgpack.h"

namespace tocsin::protocol {
namespace {

DirectiveHeader HeaderFromDraft(const DirectiveDraft& draft, const DirectiveId& id) {
  DirectiveHeader h = draft.header;
  h.id = id;
  std::sort(h.sectors.begin(), h.sectors.end());
  crypto::AeadNonce nonce = crypto::RandomNonce();
  std::copy(nonce.begin(), nonce.end(), h.content_nonce.begin());
  return h;
}

// Wraps the content key for each recipient, in agency order, and commits to
// the list in the header.
// Below this many recipients a thread costs more than it saves.
constexpr std::size_t kWrapsPerThread = 256;

Result<std::vector<RecipientWrap>> WrapForRecipients(DirectiveHeader& header,
                                                     std::vector<RecipientKey>& recipients,
                                                     const std::vector<RecipientKey>& cosigners,
                                                     const crypto::SecretBytes& content_key,
                                                     std::vector<CosignerWrap>* cosigner_wraps) {
  std::sort(recipients.begin(), recipients.end(),
            [](const RecipientKey& a, const RecipientKey& b) { return a.agency < b.agency; });
  TOCSIN_ASSIGN_OR_RETURN(crypto::X25519KeyPair ephemeral, crypto::X25519KeyPair::Generate());
  header.ephemeral_key = ephemeral.public_key();
  auto twice = std::adjacent_find(recipients.begin(), recipients.end(),
                                  [](const RecipientKey& a, const RecipientKey& b) {
                                    return a.agency == b.agency;
                                  });
  if (twice != recipients.end()) {
    return MakeError(ErrorCode::kInvalidArgument, "recipient '" + twice->agency + "' is named twice");
  }
  // One X25519 agreement per recipient: spread over the cores (5,000
  // recipients take about 0.28 s of one core). Each slot is its own.
  std::vector<Result<Bytes>> keys(recipients.size(), Bytes{});
  ParallelFor(recipients.size(), kWrapsPerThread, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      keys[i] = crypto::WrapKey(ephemeral, recipients[i].encryption_key, content_key.bytes(),
                                   WrapAssociatedData(header.id, recipients[i].agency));
    }
  });
  std::vector<RecipientWrap> wraps;
  wraps.reserve(recipients.size());
  crypto::MerkleTree tree;
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    if (!keys[i]) {
      return WithContext(keys[i].error(), "recipient " + recipients[i].agency);
    }
    wraps.push_back({recipients[i].agency, EncryptionKeyId(recipients[i].encryption_key),
                     std::move(*keys[i])});
    tree.Append(RecipientLeafHash(wraps.back()));
  }
  header.recipient_count = static_cast<std::uint32_t>(wraps.size());
  header.recipients_root = tree.Root();
  for (const RecipientKey& cosigner : cosigners) {
    Result<Bytes> wrapped = crypto::WrapKey(ephemeral, cosigner.encryption_key, content_key.bytes(),
                                            CosignerWrapAssociatedData(header.id, cosigner.agency));
    if (!wrapped) {
      return WithContext(wrapped.error(), "co-signer " + cosigner.agency);
    }
    cosigner_wraps->push_back({header.id, cosigner.agency, std::move(*wrapped)});
  }
  return wraps;  // `ephemeral` is wiped here: no one can recompute the wraps
}

// Checks `set` against the signed count and root: either the whole list
// (root recomputed) or one entry with its inclusion proof.
Status CheckRecipientSet(const RecipientSet& set, const DirectiveHeader& header) {
  std::uint64_t count = header.recipient_count;
  bool whole = set.entries.size() == count && set.index == 0 && set.proof.empty();
  bool single = set.entries.size() == 1 && set.index < count;
  if (!whole && !single) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "recipients: expected all " + std::to_string(count) +
                         " recipients or exactly one with its proof");
  }
  Status proven;
  if (whole) {
    std::vector<crypto::Hash> leaves;
    leaves.reserve(set.entries.size());
    for (const RecipientWrap& r : set.entries) {
      leaves.push_back(RecipientLeafHash(r));
    }
    if (crypto::MerkleTree(std::move(leaves)).Root() != header.recipients_root) {
      proven = MakeError(ErrorCode::kBadSignature, "recipient list does not match the root");
    }
  } else {
    proven = crypto::VerifyInclusion(set.index, count, RecipientLeafHash(set.entries[0]),
                                     set.proof, header.recipients_root);
  }
  if (!proven) {
    return WithContext(proven.error(), "recipients of the directive");
  }
  return {};
}

// Rejects a draft that a receiver would reject, by decoding what we encoded.
Status CheckEncoded(ByteView header_bytes, const DirectiveContent& content) {
  Result<DirectiveHeader> header = DecodeDirectiveHeader(header_bytes);
  if (!header) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "directive breaks a protocol rule: " + header.error().context);
  }
  Bytes encoded = EncodeDirectiveContent(content);
  Result<DirectiveContent> decoded = DecodeDirectiveContent(encoded);
  crypto::Wipe(encoded);
  if (!decoded) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "directive content breaks a protocol rule: " + decoded.error().context);
  }
  return {};
}

Status CheckTimes(const DirectiveHeader& header, const DirectiveChecks& checks) {
  if (checks.now >= header.expires_at) {
    return MakeError(ErrorCode::kExpired, "directive expired at " + FormatUtc(header.expires_at));
  }
  if (header.issued_at > checks.now + checks.max_clock_skew) {
    return MakeError(ErrorCode::kExpired,
                     "directive is dated in the future (" + FormatUtc(header.issued_at) + ")");
  }
  return {};
}

// Checks `content_key` against the header's commitment, then decrypts:
// before decrypting, as a key other than the committed one might open the
// same ciphertext to other content. `why` receives which of the two failed.
Result<DirectiveContent> DecryptCommitted(const VerifiedDirective& verified,
                                          const crypto::SecretBytes& content_key,
                                          std::string_view holder, RefusalReason& why) {
  const DirectiveHeader& header = verified.header;
  why = RefusalReason::kKeyCommitment;
  if (!crypto::ConstantTimeEquals(ContentKeyCommitment(content_key.bytes()), header.key_commitment)) {
    return MakeError(ErrorCode::kBadSignature,
                     "the content key wrapped for " + std::string(holder) +
                         " is not the one the header commits to: this copy was wrapped to open "
                         "differently from the others");
  }
  why = RefusalReason::kUndecryptable;
  Result<Bytes> plaintext =
      crypto::AeadOpen(content_key.bytes(), header.content_nonce, verified.body.ciphertext,
                       ContentAssociatedData(verified.body.header));
  if (!plaintext) {
    return WithContext(plaintext.error(), "decrypting the content");
  }
  Result<DirectiveContent> content = DecodeDirectiveContent(*plaintext);
  crypto::Wipe(*plaintext);
  return content;
}

}  // namespace

crypto::Digest RecipientLeafHash(const RecipientWrap& recipient) {
  return crypto::MerkleLeafHash(EncodeRecipient(recipient));
}

Bytes WrapAssociatedData(const DirectiveId& id, std::string_view agency) {
  Bytes ad = ToBytes(kWrapContext);
  Append(ad, id);
  Append(ad, AsBytes(agency));
  return ad;
}

Bytes CosignerWrapAssociatedData(const DirectiveId& id, std::string_view cosigner) {
  Bytes ad = ToBytes(kCosignerWrapContext);
  Append(ad, id);
  Append(ad, AsBytes(cosigner));
  return ad;
}

Bytes EncodeCosignerWrap(const CosignerWrap& wrap) {
  Writer w;
  w.Array(3).Bin(wrap.directive_id).Text(wrap.cosigner).Bin(wrap.wrapped_key);
  return w.Take();
}

Result<CosignerWrap> DecodeCosignerWrap(ByteView bytes) {
  constexpr UnpackLimits kLimits{.max_array = 3, .max_map = 0, .max_str = 64,
                                 .max_bin = crypto::kWrappedKeySize, .max_depth = 1};
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle, StrictUnpack(bytes, kLimits, "co-signer key"));
  TOCSIN_ASSIGN_OR_RETURN(const msgpack::object* f, ReadArray(handle.get(), 3, "co-signer key"));
  CosignerWrap wrap;
  TOCSIN_ASSIGN_OR_RETURN(wrap.directive_id,
                          ReadFixedBin<kDirectiveIdSize>(f[0], "co-signer key.directive_id"));
  TOCSIN_ASSIGN_OR_RETURN(wrap.cosigner, ReadPrincipalId(f[1], "co-signer key.cosigner"));
  TOCSIN_ASSIGN_OR_RETURN(wrap.wrapped_key, ReadBin(f[2], crypto::kWrappedKeySize,
                                                    crypto::kWrappedKeySize,
                                                    "co-signer key.wrapped_key"));
  return wrap;
}

KeyId EncryptionKeyId(const crypto::PublicKey& encryption_key) {
  crypto::Digest digest = crypto::Sha256(encryption_key);
  KeyId id{};
  std::copy(digest.begin(), digest.begin() + kKeyIdSize, id.begin());
  return id;
}

crypto::Digest ContentKeyCommitment(ByteView content_key) {
  Bytes input = ToBytes(kKeyCommitmentContext);
  Append(input, content_key);
  crypto::Digest commitment = crypto::Sha256(input);
  crypto::Wipe(input);
  return commitment;
}

Bytes ContentAssociatedData(ByteView header_bytes) {
  Bytes ad = ToBytes(kContentContext);
  Append(ad, header_bytes);
  return ad;
}

Result<DirectiveHeader> PeekDirectiveHeader(ByteView wire) {
  TOCSIN_ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(wire));
  if (envelope.type != MessageType::kDirective) {
    return MakeError(ErrorCode::kMalformedMessage, "not a directive");
  }
  TOCSIN_ASSIGN_OR_RETURN(DirectiveBody body, DecodeDirectiveBody(envelope.body));
  return DecodeDirectiveHeader(body.header);
}

// Encrypts, wraps (for recipients and co-signers) and signs under `id`.
static Result<SealedDirective> Seal(const DirectiveId& id, const DirectiveDraft& draft,
                             std::vector<RecipientKey> recipients,
                             const std::vector<RecipientKey>& cosigners,
                             const crypto::SigningKey& issuer_key) {
  if (recipients.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a directive needs at least one recipient");
  }
  DirectiveHeader header = HeaderFromDraft(draft, id);
  TOCSIN_ASSIGN_OR_RETURN(crypto::SecretBytes content_key,
                          crypto::SecretBytes::Allocate(crypto::kSymmetricKeySize));
  Bytes random_key = crypto::RandomBytes(crypto::kSymmetricKeySize);
  std::copy(random_key.begin(), random_key.end(), content_key.data());
  crypto::Wipe(random_key);
  header.key_commitment = ContentKeyCommitment(content_key.bytes());
  std::vector<CosignerWrap> cosigner_wraps;
  TOCSIN_ASSIGN_OR_RETURN(std::vector<RecipientWrap> wraps,
                          WrapForRecipients(header, recipients, cosigners, content_key,
                                            &cosigner_wraps));

  DirectiveBody body;
  body.header = EncodeDirectiveHeader(header);
  TOCSIN_RETURN_IF_ERROR(CheckEncoded(body.header, draft.content));
  Bytes plaintext = EncodeDirectiveContent(draft.content);
  Result<Bytes> ciphertext = crypto::AeadSeal(content_key.bytes(), header.content_nonce,
                                              plaintext, ContentAssociatedData(body.header));
  crypto::Wipe(plaintext);
  if (!ciphertext) {
    return tl::unexpected(ciphertext.error());
  }
  body.ciphertext = std::move(*ciphertext);
  Bytes signed_body = EncodeDirectiveBody(body);
  SealedDirective sealed;
  sealed.id = header.id;
  sealed.digest = crypto::Sha256(signed_body);
  sealed.envelope = SignBody(MessageType::kDirective, std::move(signed_body), draft.header.issuer,
                             issuer_key);
  sealed.envelope.recipients = EncodeRecipientSet({0, std::move(wraps), {}});
  sealed.cosigner_wraps = std::move(cosigner_wraps);
  return sealed;
}

Result<SealedDirective> SealDirective(const DirectiveDraft& draft,
                                      std::vector<RecipientKey> recipients,
                                      const crypto::SigningKey& issuer_key) {
  Bytes random = crypto::RandomBytes(kDirectiveIdSize);
  DirectiveId id{};
  std::copy(random.begin(), random.end(), id.begin());
  return SealDirectiveAs(id, draft, std::move(recipients), issuer_key);
}

Result<SealedDirective> SealDirectiveAs(const DirectiveId& id, const DirectiveDraft& draft,
                                        std::vector<RecipientKey> recipients,
                                        const crypto::SigningKey& issuer_key) {
  return Seal(id, draft, std::move(recipients), {}, issuer_key);
}

Result<SealedDirective> SealDirectiveForCosigners(const DirectiveDraft& draft,
                                                  std::vector<RecipientKey> recipients,
                                                  const std::vector<RecipientKey>& cosigners,
                                                  const crypto::SigningKey& issuer_key) {
  Bytes random = crypto::RandomBytes(kDirectiveIdSize);
  DirectiveId id{};
  std::copy(random.begin(), random.end(), id.begin());
  return Seal(id, draft, std::move(recipients), cosigners, issuer_key);
}


Result<VerifiedDirective> VerifyDirective(ByteView wire, crypto::KeyResolver& resolver,
                                          const DirectiveChecks& checks) {
  TOCSIN_ASSIGN_OR_RETURN(Envelope envelope, DecodeEnvelope(wire));
  if (envelope.type != MessageType::kDirective) {
    return MakeError(ErrorCode::kMalformedMessage,
                     "expected a directive, got a " + std::string(MessageTypeName(envelope.type)));
  }
  // Signatures first: nothing inside the body is parsed before they verify.
  TOCSIN_ASSIGN_OR_RETURN(VerifiedSigners signers,
                          VerifyEnvelope(envelope, resolver, checks.now,
                                         {Role::kOperator, checks.min_signatures}));
  VerifiedDirective out;
  TOCSIN_ASSIGN_OR_RETURN(out.body, DecodeDirectiveBody(envelope.body));
  TOCSIN_ASSIGN_OR_RETURN(out.header, DecodeDirectiveHeader(out.body.header));
  if (out.header.issuer != signers.signers.front()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "directive names issuer " + out.header.issuer + " but is signed first by " +
                         signers.signers.front());
  }
  if (out.header.gateway != checks.gateway) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "directive is for gateway " + out.header.gateway + ", not " + checks.gateway);
  }
  if (checks.require_header_signatures && signers.distinct_keys < out.header.required_signatures) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "directive requires " + std::to_string(out.header.required_signatures) +
                         " operators' signatures (signed in its header), carries " +
                         std::to_string(signers.distinct_keys) + " distinct signer key(s)");
  }
  TOCSIN_RETURN_IF_ERROR(CheckTimes(out.header, checks));
  TOCSIN_ASSIGN_OR_RETURN(out.recipients, DecodeRecipientSet(*envelope.recipients));
  TOCSIN_RETURN_IF_ERROR(CheckRecipientSet(out.recipients, out.header));
  out.digest = crypto::Sha256(envelope.body);
  out.signers = std::move(signers.signers);
  out.distinct_signers = signers.distinct_keys;
  out.envelope = std::move(envelope);
  return out;
}

Result<OpenedDirective> OpenDirective(ByteView wire, crypto::KeyResolver& resolver,
                                      const DirectiveChecks& checks, std::string_view self_id,
                                      const crypto::X25519KeyPair& self_key, RefusalReason* why) {
  RefusalReason ignored = RefusalReason::kMalformed;
  RefusalReason& reason = why != nullptr ? *why : ignored;
  Result<VerifiedDirective> checked = VerifyDirective(wire, resolver, checks);
  if (!checked) {
    ErrorCode code = checked.error().code;
    reason = code == ErrorCode::kExpired            ? RefusalReason::kExpired
             : code == ErrorCode::kMalformedMessage ? RefusalReason::kMalformed
                                                    : RefusalReason::kSignature;
    return tl::unexpected(checked.error());
  }
  VerifiedDirective verified = std::move(*checked);
  const DirectiveHeader& header = verified.header;
  const std::vector<RecipientWrap>& entries = verified.recipients.entries;
  auto mine = std::find_if(entries.begin(), entries.end(),
                           [&](const RecipientWrap& r) { return r.agency == self_id; });
  if (mine == entries.end()) {
    reason = RefusalReason::kRecipientProof;
    return MakeError(ErrorCode::kPermissionDenied,
                     "directive is not addressed to " + std::string(self_id));
  }
  if (mine->key_id != EncryptionKeyId(self_key.public_key())) {
    reason = RefusalReason::kSupersededKey;
    return MakeError(ErrorCode::kPermissionDenied,
                     "this copy is wrapped to another encryption key of " + std::string(self_id) +
                         " (key id " + HexEncode(mine->key_id) + ", ours is " +
                         HexEncode(EncryptionKeyId(self_key.public_key())) +
                         "): sealed for a key it no longer holds; ask the centre to issue it again");
  }
  Result<crypto::SecretBytes> content_key =
      crypto::UnwrapKey(self_key, header.ephemeral_key, mine->wrapped_key,
                        WrapAssociatedData(header.id, self_id));
  if (!content_key) {
    reason = RefusalReason::kUndecryptable;
    return WithContext(content_key.error(), "unwrapping the content key");
  }
  TOCSIN_ASSIGN_OR_RETURN(DirectiveContent content,
                          DecryptCommitted(verified, *content_key, self_id, reason));
  return OpenedDirective{std::move(verified), std::move(content)};
}

Result<DirectiveContent> OpenAsCosigner(const VerifiedDirective& verified, const CosignerWrap& wrap,
                                        std::string_view self_id,
                                        const crypto::X25519KeyPair& self_key) {
  if (wrap.directive_id != verified.header.id || wrap.cosigner != self_id) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "this co-signer key is for " + wrap.cosigner + " and directive " +
                         HexEncode(wrap.directive_id) + ", not " + std::string(self_id) +
                         " and " + HexEncode(verified.header.id));
  }
  Result<crypto::SecretBytes> content_key =
      crypto::UnwrapKey(self_key, verified.header.ephemeral_key, wrap.wrapped_key,
                        CosignerWrapAssociatedData(wrap.directive_id, wrap.cosigner));
  if (!content_key) {
    return WithContext(content_key.error(), "unwrapping the co-signer's content key");
  }
  RefusalReason ignored = RefusalReason::kMalformed;  // a co-signer refuses nothing signed
  return DecryptCommitted(verified, *content_key, self_id, ignored);
}

}  // namespace tocsin::protocol
