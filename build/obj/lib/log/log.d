build/obj/lib/log/log.o: lib/log/log.cc lib/log/log.h lib/io/fd.h \
 lib/base/error.h
lib/log/log.h:
lib/io/fd.h:
lib/base/error.h:
