build/obj/test/unit/io_test.o: test/unit/io_test.cc lib/control/control.h \
 lib/io/fd.h lib/base/error.h lib/io/line_reader.h lib/log/log.h \
 lib/proc/child.h
lib/control/control.h:
lib/io/fd.h:
lib/base/error.h:
lib/io/line_reader.h:
lib/log/log.h:
lib/proc/child.h:
