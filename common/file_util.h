// common/file_util.h -- whole-file reads and durable, atomic writes.
#pragma once

#include <cstddef>
#include <string>
#include <sys/types.h>

#include "common/bytes.h"
#include "common/result.h"

namespace tocsin {

enum class Overwrite { kNo, kYes };

// Reads all of `path`. Fails with kNotFound when it does not exist, and with
// kInvalidArgument when it holds more than `max_bytes`.
Result<Bytes> ReadFile(const std::string& path, std::size_t max_bytes);

// Writes `contents` to `path` so that a crash leaves either the old file or
// the new one, never a torn one: a temporary file in the same folder is
// written with `mode`, fsynced, renamed over `path`, and the folder fsynced.
// With Overwrite::kNo an existing `path` is an error (kInvalidArgument) and is
// left untouched. An fsync failure is reported, never retried.
Status WriteFileDurably(const std::string& path, ByteView contents, mode_t mode,
                        Overwrite overwrite);

// Creates `path` (and missing parents) and sets `path` itself to `mode`
// (0700 for folders that hold keys).
Status MakeDirectory(const std::string& path, mode_t mode);

// "0644": the permission bits of `mode`, as chmod takes them.
std::string FileModeText(mode_t mode);

// A file that holds secrets (passwords, callback secrets): owned by us and
// neither readable nor writable by group or others. The error names the
// path, what is wrong and the command that fixes it.
Status CheckPrivateFile(const std::string& path);

// A file or folder that holds trust (the CA's published folder, a CRL, a
// root certificate, a key bundle folder): owned by us or by root, and not
// writable by group or others, so that no other local user can swap what
// we trust (SECURITY.md 40).
Status CheckTrustedPath(const std::string& path);

}  // namespace tocsin
