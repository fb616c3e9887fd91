#include <gtest/gtest.h>

#include <utility>

#include "base/c_ptr.h"

namespace posta {
namespace {

struct Thing {
  int* frees;
};

int free_thing(Thing* t) {  // returns int, as BIO_free does: the value is ignored
  ++*t->frees;
  delete t;
  return 1;
}

TEST(CPtr, FreesOnceWhenTheLastOwnerGoes) {
  int frees = 0;
  {
    CPtr<Thing, free_thing> a(new Thing{&frees});
    CPtr<Thing, free_thing> b = std::move(a);
    EXPECT_EQ(a, nullptr);
    EXPECT_EQ(frees, 0);
  }
  EXPECT_EQ(frees, 1);
}

TEST(CPtr, ResetFreesTheOldObjectAndNullIsNotFreed) {
  int frees = 0;
  CPtr<Thing, free_thing> p(new Thing{&frees});
  p.reset(new Thing{&frees});
  EXPECT_EQ(frees, 1);
  p.reset();
  EXPECT_EQ(frees, 2);
  p.reset();
  EXPECT_EQ(frees, 2);
}

}  // namespace
}  // namespace posta
