build/obj/lib/control/control.o: lib/control/control.cc \
 lib/control/control.h lib/io/fd.h lib/base/error.h lib/log/log.h
lib/control/control.h:
lib/io/fd.h:
lib/base/error.h:
lib/log/log.h:
