#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace tocsin {
namespace {

tl::unexpected<Error> PosixError(const std::string& what, int error_number) {
  ErrorCode code = ErrorCode::kIoError;
  if (error_number == ENOENT) {
    code = ErrorCode::kNotFound;
  } else if (error_number == EACCES || error_number == EPERM) {
    code = ErrorCode::kPermissionDenied;
  }
  return MakeError(code, what + ": " + std::strerror(error_number));
}

// Owns a file descriptor; closes it on destruction if still open.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }
  // Closes now and reports the outcome: close() can report a write error.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status WriteAll(int fd, ByteView contents, const std::string& path) {
  std::size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return PosixError("write " + path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

Status SyncDirectory(const std::string& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return PosixError("open folder " + dir, errno);
  }
  if (::fsync(fd.get()) != 0) {
    return PosixError("fsync folder " + dir, errno);
  }
  return {};
}

}  // namespace

Result<Bytes> ReadFile(const std::string& path, std::size_t max_bytes) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return PosixError("open " + path, errno);
  }
  Bytes out;
  std::uint8_t chunk[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return PosixError("read " + path, errno);
    }
    if (n == 0) {
      return out;
    }
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + " is larger than " + std::to_string(max_bytes) +
                           " bytes");
    }
    out.insert(out.end(), chunk, chunk + n);
  }
}

Status WriteFileDurably(const std::string& path, ByteView contents, mode_t mode,
                        Overwrite overwrite) {
  std::filesystem::path target(path);
  std::string dir = target.parent_path().empty()
                        ? std::string(".")
                        : target.parent_path().string();
  std::string temp = path + ".tmp-" + std::to_string(::getpid());
  FileDescriptor fd(::open(temp.c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    return PosixError("create " + temp, errno);
  }
  // open() applies the umask; make the mode exactly what was asked for.
  if (::fchmod(fd.get(), mode) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    return PosixError("chmod " + temp, saved);
  }
  Status written = WriteAll(fd.get(), contents, temp);
  if (written && ::fsync(fd.get()) != 0) {
    written = PosixError("fsync " + temp, errno);
  }
  if (written && fd.Close() != 0) {
    written = PosixError("close " + temp, errno);
  }
  if (written) {
    int rc = overwrite == Overwrite::kYes
                 ? ::rename(temp.c_str(), path.c_str())
                 : ::link(temp.c_str(), path.c_str());
    if (rc != 0) {
      written = errno == EEXIST
                    ? MakeError(ErrorCode::kInvalidArgument,
                                path + " already exists; refusing to replace it")
                    : PosixError("install " + path, errno);
    }
  }
  ::unlink(temp.c_str());  // after link() or a failure; a no-op after rename
  TOCSIN_RETURN_IF_ERROR(written);
  return SyncDirectory(dir);
}

namespace {

Result<struct stat> StatOf(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    int saved = errno;
    return MakeError(saved == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIoError,
                     "stat " + path + ": " + std::strerror(saved));
  }
  return info;
}

}  // namespace

std::string FileModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

Status CheckPrivateFile(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(struct stat info, StatOf(path));
  if (info.st_uid != ::geteuid()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     path + " holds secrets but belongs to uid " + std::to_string(info.st_uid) +
                         ", not to us (uid " + std::to_string(::geteuid()) + ")");
  }
  if ((info.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     path + " holds secrets but has mode " + FileModeText(info.st_mode) +
                         ": group or others can access it; run chmod 600 " + path);
  }
  return {};
}

Status CheckTrustedPath(const std::string& path) {
  TOCSIN_ASSIGN_OR_RETURN(struct stat info, StatOf(path));
  if (info.st_uid != ::geteuid() && info.st_uid != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     path + " decides whom we trust but belongs to uid " +
                         std::to_string(info.st_uid) + ", neither us nor root");
  }
  if ((info.st_mode & 022) != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     path + " decides whom we trust but has mode " + FileModeText(info.st_mode) +
                         ": group or others can write it; run chmod go-w " + path);
  }
  return {};
}

Status MakeDirectory(const std::string& path, mode_t mode) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return MakeError(ErrorCode::kIoError,
                     "create folder " + path + ": " + error.message());
  }
  if (::chmod(path.c_str(), mode) != 0) {
    return PosixError("chmod " + path, errno);
  }
  return {};
}

}  // namespace tocsin
