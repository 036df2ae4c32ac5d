// Errors of the network plumbing: our own error codes and the exception transport failures throw.
#pragma once

#include <boost/system/error_code.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace scribe::adapters::net {

// Failures that are ours rather than the operating system's, TLS's or Beast's.
enum class errc {
    invalid_url = 1,
    unsupported_scheme,
    plaintext_not_allowed,   // http:// or ws:// without allow_plaintext
    plaintext_not_loopback,  // http:// or ws:// to a host that is not loopback
    invalid_request,  // a method Beast does not know, or CR, LF or NUL in the target or a header
};

const boost::system::error_category& net_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), net_category()};
}

// A transport failure. The message names the operation and the peer (host:port) and never the
// request target or headers, which may carry tickets and tokens.
class error : public std::runtime_error {
  public:
    // `detail` adds what the code alone does not say, e.g. why a certificate was rejected.
    error(boost::system::error_code code, std::string_view operation, std::string_view peer,
          std::string_view detail = {});

    const boost::system::error_code& code() const noexcept { return code_; }

  private:
    boost::system::error_code code_;
};

}  // namespace scribe::adapters::net

template <>
struct boost::system::is_error_code_enum<scribe::adapters::net::errc> : std::true_type {};
