#include "queue/maildate.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace posta::queue {

std::string rfc5322_date(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  long off = tm.tm_gmtoff / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld", days[tm.tm_wday % 7],
                tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                sign, off / 60, off % 60);
  return buf;
}

std::string make_message_id(const std::string& domain) {
  static std::atomic<unsigned> counter = 0;  // posta-queued makes journal reports on several threads
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  char buf[128];
  std::snprintf(buf, sizeof buf, "<%lld.%06ld.%ld.%u@", static_cast<long long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec), static_cast<long>(::getpid()), counter.fetch_add(1));
  return buf + (domain.empty() ? std::string("localhost") : domain) + ">";
}

}  // namespace posta::queue
