// The router as the adapters see it (adapters::bot): each delivery handed to the router's
// executor and awaited, its replies and its outcome brought back to the adapter's executor.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include "adapters/bot.hpp"
#include "bot/app/router.hpp"
#include "bot/store/event_store.hpp"

namespace scribe::app {

class router_port final : public adapters::bot {
public:
  // `router_executor` runs the router (the adapters' loop); `reader_executor` reads the
  // cursors from the store (the router's reader thread in `scribe run`; by default the
  // router's loop). The store saves cursors.
  router_port(router& r, boost::asio::any_io_executor router_executor, store::event_store& store,
              boost::asio::any_io_executor reader_executor = {});

  boost::asio::awaitable<adapters::delivery_result> message(adapters::inbound_message m,
                                                            reply_sink reply) override;
  boost::asio::awaitable<adapters::delivery_result> pin(adapters::pin_request p,
                                                        reply_sink reply) override;
  boost::asio::awaitable<adapters::delivery_result> unpin(adapters::pin_request p,
                                                          reply_sink reply) override;
  boost::asio::awaitable<adapters::delivery_result> change(adapters::message_change c,
                                                           reply_sink reply) override;
  boost::asio::awaitable<adapters::delivery_result> link_room(adapters::room_link l,
                                                              reply_sink reply) override;
  boost::asio::awaitable<std::optional<std::string>> load_cursor(std::string key) override;
  boost::asio::awaitable<bool> save_cursor(std::string key, std::string value) override;

  // router::remind on the router's executor: the next due time, if any.
  boost::asio::awaitable<std::optional<model::timestamp>> remind(model::timestamp now,
                                                                 bool post_due);
  // router::answer_owed on the router's executor; resumes once the answers are handed on.
  boost::asio::awaitable<bool> answer_owed(std::set<std::string> reachable, model::timestamp now);
  // The reminder intervals, changed on the router's executor (SIGHUP).
  void set_reminder_policy(model::reminder_policy policy);

private:
  // Hands `submit` a reply sink and a done callback on the router's executor, and completes
  // with the outcome on the caller's executor, after the replies.
  using submission = std::function<void(reply_sink, router::done_callback)>;
  boost::asio::awaitable<adapters::delivery_result> deliver(submission submit, reply_sink reply);

  router& router_;
  boost::asio::any_io_executor router_executor_;
  boost::asio::any_io_executor reader_executor_;
  store::event_store& store_;
};

}  // namespace scribe::app
