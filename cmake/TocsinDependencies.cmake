# Every third-party library comes from Debian 12 packages that scripts/setup
# installs; the package names are beside each find call.

find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium>=1.0.18)  # libsodium-dev
find_package(OpenSSL 3.0 REQUIRED)                                     # libssl-dev
find_package(msgpack REQUIRED CONFIG NAMES msgpack msgpackc-cxx)      # libmsgpack-cxx-dev
find_package(tl-expected REQUIRED)                                     # libexpected-dev
find_package(CLI11 REQUIRED)                                           # libcli11-dev
find_package(fmt REQUIRED)                                             # libfmt-dev
find_package(spdlog REQUIRED)                                         # libspdlog-dev
find_package(cppzmq REQUIRED)                                          # cppzmq-dev (libzmq 4.3.4)
find_package(SQLite3 REQUIRED)                                         # libsqlite3-dev
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)                # libpq-dev (the ledger on PostgreSQL)
find_package(tomlplusplus REQUIRED)                                    # libtomlplusplus-dev
find_package(nlohmann_json 3 REQUIRED)                                 # nlohmann-json3-dev
find_package(CURL REQUIRED)                                            # libcurl4-openssl-dev (bridges)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)         # libsystemd-dev (sd_notify, watchdog)
pkg_check_modules(SECCOMP REQUIRED IMPORTED_TARGET libseccomp)       # libseccomp-dev (system-call allow-list)
pkg_check_modules(NCURSESW REQUIRED IMPORTED_TARGET ncursesw)         # libncurses-dev (the live status view)
if(TOCSIN_TESTS)
  find_package(Catch2 2.13 REQUIRED)                                   # catch2
endif()
