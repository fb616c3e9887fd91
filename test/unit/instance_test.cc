// lib/instance: posta-setup's template placeholders.
#include <gtest/gtest.h>

#include "instance/template.h"

using posta::expand_template;
using posta::TemplateVars;

namespace {
TemplateVars vars() {
  TemplateVars v;
  v.port_base = 20000;
  v.values = {{"BIN", "/b"}, {"HOME", "/h"}, {"USER", "posta"}, {"USER_D", "posta"}};
  return v;
}
}  // namespace

TEST(InstanceTemplate, ReplacesPlaceholders) {
  auto r = expand_template("exec @BIN@/x -u @USER@ @HOME@ @PORT:25@ @PORT:0@\n", vars());
  ASSERT_TRUE(r) << r.error().what;
  EXPECT_EQ(*r, "exec /b/x -u posta /h 20025 20000\n");
  EXPECT_EQ(*expand_template("@USER_D@", vars()), "posta");
}

TEST(InstanceTemplate, KeepsOtherAtSigns) {
  for (std::string s : {"postmaster@example.test", "a@b@c", "@", "@@", "x@1@", "@lower@",
                        "mail@ @HOME", "@:25@"})
    EXPECT_EQ(*expand_template(s, vars()), s) << s;
}

TEST(InstanceTemplate, RejectsUnknownAndBadPorts) {
  EXPECT_FALSE(expand_template("@NOPE@", vars()));
  EXPECT_FALSE(expand_template("@PORT:x@", vars()));
  EXPECT_FALSE(expand_template("@PORT:@", vars()));
  EXPECT_FALSE(expand_template("@PORT:65000@", vars()));  // 85000 > 65535
  EXPECT_FALSE(expand_template("@PORT:-1@", vars()));
}
