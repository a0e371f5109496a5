// What the server owes as PID 1 (a container started without an init): processes
// orphaned below it, such as the children of an apertium pipeline that died, are
// re-parented to it, and nobody else will ever reap them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace sts::app {

// Reaps, on each SIGCHLD, every child that is not a process-group leader. The server's
// own children (apertium pipelines, spawned as group leaders) are left to whoever waits
// for them. Does nothing unless the server is PID 1.
class OrphanReaper {
 public:
  explicit OrphanReaper(boost::asio::io_context& io);

 private:
  void wait_for_child();

  boost::asio::signal_set signals_;
};

}  // namespace sts::app
