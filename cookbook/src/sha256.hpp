// SHA-256 of files, for verifying everything the cookbook fetches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cook {

class Sha256 {
public:
    Sha256();
    void update(const void *data, std::size_t size);
    std::string hex_digest();  // finishes the hash; call once

private:
    void compress(const std::uint8_t *block);
    std::uint32_t state_[8];
    std::uint8_t buffer_[64];
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
};

std::string sha256_of_bytes(std::string_view bytes);
// Throws CookError when the file cannot be read.
std::string sha256_of_file(const std::string &path);

}  // namespace cook
