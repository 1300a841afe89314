#include "protocol/strict_msgpack.h"

#include <algorithm>
#include <cstring>

#include "common/principal.h"
#include "crypto/secret_bytes.h"

namespace tocsin::protocol {
namespace {

tl::unexpected<Error> Malformed(std::string_view what, const std::string& why) {
  return MakeError(ErrorCode::kMalformedMessage, std::string(what) + ": " + why);
}

// A length or count outside min..max: over a limit of section 3 when it
// exceeds a range's top (kTooLarge), malformed when short or of the wrong
// fixed size.
tl::unexpected<Error> OutOfRange(std::string_view field, std::string_view what, std::size_t size,
                                 std::size_t min, std::size_t max) {
  ErrorCode code = size > max && min < max ? ErrorCode::kTooLarge : ErrorCode::kMalformedMessage;
  return MakeError(code, std::string(field) + ": " + std::string(what) + " " +
                             std::to_string(size) + " is outside " + std::to_string(min) + ".." +
                             std::to_string(max));
}

std::string TypeName(msgpack::type::object_type type) {
  switch (type) {
    case msgpack::type::NIL: return "nil";
    case msgpack::type::BOOLEAN: return "boolean";
    case msgpack::type::POSITIVE_INTEGER: return "unsigned integer";
    case msgpack::type::NEGATIVE_INTEGER: return "negative integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return "float";
    case msgpack::type::STR: return "string";
    case msgpack::type::BIN: return "binary";
    case msgpack::type::ARRAY: return "array";
    case msgpack::type::MAP: return "map";
    case msgpack::type::EXT: return "extension";
  }
  return "unknown";
}

tl::unexpected<Error> WrongType(std::string_view field, std::string_view expected,
                                const msgpack::object& object) {
  return Malformed(field, "expected " + std::string(expected) + ", found " +
                              TypeName(object.type));
}

// Returns true iff any map in `object`, at any depth, repeats a key.
bool HasDuplicateKeys(const msgpack::object& object) {
  if (object.type == msgpack::type::ARRAY) {
    for (std::uint32_t i = 0; i < object.via.array.size; ++i) {
      if (HasDuplicateKeys(object.via.array.ptr[i])) {
        return true;
      }
    }
  } else if (object.type == msgpack::type::MAP) {
    const msgpack::object_kv* entries = object.via.map.ptr;
    for (std::uint32_t i = 0; i < object.via.map.size; ++i) {
      for (std::uint32_t j = 0; j < i; ++j) {
        if (entries[i].key == entries[j].key) {
          return true;
        }
      }
      if (HasDuplicateKeys(entries[i].key) || HasDuplicateKeys(entries[i].val)) {
        return true;
      }
    }
  }
  return false;
}

// The first value of a type no Tocsin structure uses (float, boolean,
// extension) anywhere in `object`, or nullptr. Refused before anything is
// re-encoded: msgpack-cxx's packer converts some floats to integers, which is
// undefined behaviour for values out of range (1.8e19, say).
const msgpack::object* ForeignValue(const msgpack::object& object) {
  switch (object.type) {
    case msgpack::type::BOOLEAN:
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
    case msgpack::type::EXT:
      return &object;
    case msgpack::type::ARRAY:
      for (std::uint32_t i = 0; i < object.via.array.size; ++i) {
        if (const msgpack::object* found = ForeignValue(object.via.array.ptr[i])) {
          return found;
        }
      }
      return nullptr;
    case msgpack::type::MAP:
      for (std::uint32_t i = 0; i < object.via.map.size; ++i) {
        const msgpack::object_kv& kv = object.via.map.ptr[i];
        if (const msgpack::object* found = ForeignValue(kv.key)) {
          return found;
        }
        if (const msgpack::object* found = ForeignValue(kv.val)) {
          return found;
        }
      }
      return nullptr;
    default:
      return nullptr;
  }
}

bool ReferenceAll(msgpack::type::object_type, std::size_t, void*) { return true; }

Result<msgpack::object_handle> UnpackOnce(ByteView bytes, const UnpackLimits& limits,
                                          std::size_t& offset, std::string_view what) {
  msgpack::unpack_limit limit(limits.max_array, limits.max_map, limits.max_str,
                              limits.max_bin, /*ext=*/0, limits.max_depth);
  bool referenced = false;
  try {
    return msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size(), offset,
                           referenced, limits.zero_copy ? &ReferenceAll : nullptr, nullptr,
                           limit);
  } catch (const msgpack::insufficient_bytes&) {
    return Malformed(what, "truncated");
  } catch (const msgpack::ext_size_overflow&) {
    return Malformed(what, "holds an extension type, which no Tocsin message uses");
  } catch (const msgpack::map_size_overflow&) {
    if (limits.max_map == 0) {  // a type, not a size: the message has no map
      return Malformed(what, "holds a map, which this message does not use");
    }
    return MakeError(ErrorCode::kTooLarge, std::string(what) + ": a map over its size limit");
  } catch (const msgpack::size_overflow& e) {
    return MakeError(ErrorCode::kTooLarge,
                     std::string(what) + ": exceeds a size limit (" + e.what() + ")");
  } catch (const msgpack::unpack_error& e) {
    return Malformed(what, std::string("not msgpack (") + e.what() + ")");
  } catch (const msgpack::type_error& e) {
    return Malformed(what, std::string("bad type (") + e.what() + ")");
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kTooLarge, std::string(what) + ": too large to decode");
  }
}

}  // namespace

Result<msgpack::object_handle> StrictUnpack(ByteView bytes, const UnpackLimits& limits,
                                            std::string_view what) {
  if (bytes.empty()) {
    return Malformed(what, "empty");
  }
  std::size_t offset = 0;
  TOCSIN_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                          UnpackOnce(bytes, limits, offset, what));
  if (offset != bytes.size()) {
    return Malformed(what, std::to_string(bytes.size() - offset) +
                               " trailing byte(s) after the value");
  }
  if (const msgpack::object* foreign = ForeignValue(handle.get())) {
    return Malformed(what, "holds a " + TypeName(foreign->type) +
                               ", a type no Tocsin message uses");
  }
  if (HasDuplicateKeys(handle.get())) {
    return Malformed(what, "a map repeats a key");
  }
  msgpack::sbuffer canonical(bytes.size());  // one allocation: no stray copy
  msgpack::pack(canonical, handle.get());
  bool same = canonical.size() == bytes.size() &&
              std::memcmp(canonical.data(), bytes.data(), bytes.size()) == 0;
  crypto::Wipe({reinterpret_cast<std::uint8_t*>(canonical.data()), canonical.size()});
  if (!same) {
    return Malformed(what, "not in canonical (shortest) msgpack form");
  }
  return handle;
}

Result<const msgpack::object*> ReadArray(const msgpack::object& object,
                                         std::size_t size, std::string_view field) {
  if (object.type != msgpack::type::ARRAY) {
    return WrongType(field, "array", object);
  }
  if (object.via.array.size != size) {
    return Malformed(field, "expected " + std::to_string(size) + " elements, found " +
                                std::to_string(object.via.array.size));
  }
  return object.via.array.ptr;
}

Result<std::size_t> ReadArraySize(const msgpack::object& object, std::size_t min,
                                  std::size_t max, std::string_view field) {
  if (object.type != msgpack::type::ARRAY) {
    return WrongType(field, "array", object);
  }
  std::size_t size = object.via.array.size;
  if (size < min || size > max) {
    return OutOfRange(field, "element count", size, min, max);
  }
  return size;
}

Result<std::uint64_t> ReadUint(const msgpack::object& object, std::uint64_t min,
                               std::uint64_t max, std::string_view field) {
  if (object.type != msgpack::type::POSITIVE_INTEGER) {
    return WrongType(field, "unsigned integer", object);
  }
  std::uint64_t value = object.via.u64;
  if (value < min || value > max) {
    return Malformed(field, "value " + std::to_string(value) + " is outside " +
                                std::to_string(min) + ".." + std::to_string(max));
  }
  return value;
}

Result<std::string> ReadText(const msgpack::object& object, std::size_t min,
                             std::size_t max, std::string_view field) {
  if (object.type != msgpack::type::STR) {
    return WrongType(field, "string", object);
  }
  std::string value(object.via.str.ptr, object.via.str.size);
  if (value.size() < min || value.size() > max) {
    return OutOfRange(field, "length", value.size(), min, max);
  }
  if (!IsValidText(value)) {
    return Malformed(field, "not well-formed UTF-8 text");
  }
  return value;
}

Result<std::optional<std::string>> ReadOptionalText(const msgpack::object& object,
                                                    std::size_t max,
                                                    std::string_view field) {
  if (object.type == msgpack::type::NIL) {
    return std::optional<std::string>();
  }
  TOCSIN_ASSIGN_OR_RETURN(std::string value, ReadText(object, 1, max, field));
  return std::optional<std::string>(std::move(value));
}

Result<std::string> ReadLine(const msgpack::object& object, std::size_t min, std::size_t max,
                             std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(std::string value, ReadText(object, min, max, field));
  if (!IsSingleLineText(value)) {
    return Malformed(field, "a line break, tab or other control or bidirectional character "
                            "in single-line text");
  }
  return value;
}

Result<std::optional<std::string>> ReadOptionalLine(const msgpack::object& object,
                                                    std::size_t max, std::string_view field) {
  if (object.type == msgpack::type::NIL) {
    return std::optional<std::string>();
  }
  TOCSIN_ASSIGN_OR_RETURN(std::string value, ReadLine(object, 1, max, field));
  return std::optional<std::string>(std::move(value));
}

Result<std::string> ReadPrincipalId(const msgpack::object& object,
                                    std::string_view field) {
  TOCSIN_ASSIGN_OR_RETURN(std::string id, ReadText(object, 1, kMaxPrincipalIdLength, field));
  Status valid = ValidatePrincipalId(id);
  if (!valid) {
    return Malformed(field, valid.error().context);
  }
  return id;
}

Result<Bytes> ReadBin(const msgpack::object& object, std::size_t min, std::size_t max,
                      std::string_view field) {
  if (object.type != msgpack::type::BIN) {
    return WrongType(field, "binary", object);
  }
  std::size_t size = object.via.bin.size;
  if (size < min || size > max) {
    return OutOfRange(field, "length", size, min, max);
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(object.via.bin.ptr);
  return Bytes(data, data + size);
}

Result<std::optional<Bytes>> ReadOptionalBin(const msgpack::object& object, std::size_t min,
                                             std::size_t max, std::string_view field) {
  if (object.type == msgpack::type::NIL) {
    return std::optional<Bytes>();
  }
  TOCSIN_ASSIGN_OR_RETURN(Bytes value, ReadBin(object, min, max, field));
  return std::optional<Bytes>(std::move(value));
}

Writer& Writer::Array(std::size_t size) {
  packer_.pack_array(static_cast<std::uint32_t>(size));
  return *this;
}

Writer& Writer::Uint(std::uint64_t value) {
  packer_.pack_uint64(value);
  return *this;
}

Writer& Writer::Text(std::string_view value) {
  packer_.pack_str(static_cast<std::uint32_t>(value.size()));
  packer_.pack_str_body(value.data(), static_cast<std::uint32_t>(value.size()));
  return *this;
}

Writer& Writer::OptionalText(const std::optional<std::string>& value) {
  return value ? Text(*value) : Nil();
}

Writer& Writer::Bin(ByteView value) {
  packer_.pack_bin(static_cast<std::uint32_t>(value.size()));
  packer_.pack_bin_body(reinterpret_cast<const char*>(value.data()),
                        static_cast<std::uint32_t>(value.size()));
  return *this;
}

Writer& Writer::OptionalBin(const std::optional<Bytes>& value) {
  return value ? Bin(*value) : Nil();
}

Writer& Writer::Nil() {
  packer_.pack_nil();
  return *this;
}

Writer::~Writer() {
  crypto::Wipe({reinterpret_cast<std::uint8_t*>(buffer_.data()), buffer_.size()});
}

Bytes Writer::Take() const {
  const auto* data = reinterpret_cast<const std::uint8_t*>(buffer_.data());
  return Bytes(data, data + buffer_.size());
}

}  // namespace tocsin::protocol
