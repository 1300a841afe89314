#include "protocol/directive.h"

#include <algorithm>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "protocol/signed_envelope.h"

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
Result<std::vector<RecipientWrap>> WrapForRecipients(DirectiveHeader& header,
                                                     std::vector<RecipientKey>& recipients,
                                                     const crypto::SecretBytes& content_key) {
  std::sort(recipients.begin(), recipients.end(),
            [](const RecipientKey& a, const RecipientKey& b) { return a.agency < b.agency; });
  TOCSIN_ASSIGN_OR_RETURN(crypto::X25519KeyPair ephemeral, crypto::X25519KeyPair::Generate());
  header.ephemeral_key = ephemeral.public_key();
  std::vector<RecipientWrap> wraps;
  crypto::MerkleTree tree;
  for (const RecipientKey& recipient : recipients) {
    if (!wraps.empty() && wraps.back().agency == recipient.agency) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "recipient '" + recipient.agency + "' is named twice");
    }
    Result<Bytes> wrapped = crypto::WrapKey(ephemeral, recipient.encryption_key,
                                            content_key.bytes(),
                                            WrapAssociatedData(header.id, recipient.agency));
    if (!wrapped) {
      return WithContext(wrapped.error(), "recipient " + recipient.agency);
    }
    wraps.push_back({recipient.agency, std::move(*wrapped)});
    tree.Append(RecipientLeafHash(wraps.back()));
  }
  header.recipient_count = static_cast<std::uint32_t>(wraps.size());
  header.recipients_root = tree.Root();
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
  Result<DirectiveContent> decoded = DecodeDirectiveContent(EncodeDirectiveContent(content));
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
  if (recipients.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a directive needs at least one recipient");
  }
  DirectiveHeader header = HeaderFromDraft(draft, id);
  TOCSIN_ASSIGN_OR_RETURN(crypto::SecretBytes content_key,
                          crypto::SecretBytes::Allocate(crypto::kSymmetricKeySize));
  Bytes random_key = crypto::RandomBytes(crypto::kSymmetricKeySize);
  std::copy(random_key.begin(), random_key.end(), content_key.data());
  crypto::Wipe(random_key);
  TOCSIN_ASSIGN_OR_RETURN(std::vector<RecipientWrap> wraps,
                          WrapForRecipients(header, recipients, content_key));

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
  return sealed;
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
  TOCSIN_RETURN_IF_ERROR(CheckTimes(out.header, checks));
  TOCSIN_ASSIGN_OR_RETURN(out.recipients, DecodeRecipientSet(*envelope.recipients));
  TOCSIN_RETURN_IF_ERROR(CheckRecipientSet(out.recipients, out.header));
  out.digest = crypto::Sha256(envelope.body);
  out.signers = std::move(signers.signers);
  out.envelope = std::move(envelope);
  return out;
}

Result<OpenedDirective> OpenDirective(ByteView wire, crypto::KeyResolver& resolver,
                                      const DirectiveChecks& checks, std::string_view self_id,
                                      const crypto::X25519KeyPair& self_key) {
  TOCSIN_ASSIGN_OR_RETURN(VerifiedDirective verified, VerifyDirective(wire, resolver, checks));
  const DirectiveHeader& header = verified.header;
  const std::vector<RecipientWrap>& entries = verified.recipients.entries;
  auto mine = std::find_if(entries.begin(), entries.end(),
                           [&](const RecipientWrap& r) { return r.agency == self_id; });
  if (mine == entries.end()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "directive is not addressed to " + std::string(self_id));
  }
  Result<crypto::SecretBytes> content_key =
      crypto::UnwrapKey(self_key, header.ephemeral_key, mine->wrapped_key,
                        WrapAssociatedData(header.id, self_id));
  if (!content_key) {
    return WithContext(content_key.error(), "unwrapping the content key");
  }
  Result<Bytes> plaintext =
      crypto::AeadOpen(content_key->bytes(), header.content_nonce, verified.body.ciphertext,
                       ContentAssociatedData(verified.body.header));
  if (!plaintext) {
    return WithContext(plaintext.error(), "decrypting the content");
  }
  Result<DirectiveContent> content = DecodeDirectiveContent(*plaintext);
  crypto::Wipe(*plaintext);
  if (!content) {
    return tl::unexpected(content.error());
  }
  return OpenedDirective{std::move(verified), std::move(*content)};
}

}  // namespace tocsin::protocol
