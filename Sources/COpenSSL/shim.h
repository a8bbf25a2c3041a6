// OpenSSL's libcrypto (Debian libssl-dev): the EVP digest API, for SHA-256 (Support/SHA256.swift).
#include <openssl/evp.h>
