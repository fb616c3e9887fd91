build/obj/lib/daemon/daemon.o: lib/daemon/daemon.cc lib/daemon/daemon.h \
 lib/base/error.h lib/io/fd.h
lib/daemon/daemon.h:
lib/base/error.h:
lib/io/fd.h:
