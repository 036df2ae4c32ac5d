// The read-only web view of the store: incidents, one incident with its draft, action items
// and trends, as server-rendered HTML that needs no JavaScript and loads nothing from
// elsewhere. Every answer carries a strict Content-Security-Policy.
#pragma once

#include <chrono>
#include <memory>

#include "adapters/net/http_message.hpp"
#include "bot/model/bar_raiser.hpp"
#include "bot/model/zone.hpp"
#include "bot/store/event_store.hpp"
#include "bot/web/access.hpp"

namespace scribe::web {

struct site_options {
    model::zone zone = model::zone::utc();
    model::bar_raiser_policy bar_raiser;
    bool show_security = false;  // list and open incidents flagged with !security
    access_policy access;
};

class site {
  public:
    site(store::event_store& store, site_options options);
    ~site();
    site(const site&) = delete;
    site& operator=(const site&) = delete;

    adapters::net::http_answer answer(const adapters::net::incoming_request& request);
    // As answer(), at a given time (dates, overdue items, sessions).
    adapters::net::http_answer answer(const adapters::net::incoming_request& request,
                                      std::chrono::system_clock::time_point now);

  private:
    struct parts;
    std::unique_ptr<parts> parts_;
};

}  // namespace scribe::web
