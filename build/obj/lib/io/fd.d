build/obj/lib/io/fd.o: lib/io/fd.cc lib/io/fd.h lib/base/error.h
lib/io/fd.h:
lib/base/error.h:
