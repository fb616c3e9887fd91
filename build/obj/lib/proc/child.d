build/obj/lib/proc/child.o: lib/proc/child.cc lib/proc/child.h \
 lib/base/error.h lib/io/fd.h
lib/proc/child.h:
lib/base/error.h:
lib/io/fd.h:
