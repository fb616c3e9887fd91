// A directory of one test under /tmp, removed with everything in it when the test ends.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace posta::test {

class TempDir {
 public:
  explicit TempDir(const std::string& name = "posta-unit") {
    std::string t = "/tmp/" + name + ".XXXXXX";
    if (::mkdtemp(t.data())) path = t;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path;  // "" when mkdtemp failed: the test's first use of it fails
};

}  // namespace posta::test
