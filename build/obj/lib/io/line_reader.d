build/obj/lib/io/line_reader.o: lib/io/line_reader.cc \
 lib/io/line_reader.h lib/base/error.h
lib/io/line_reader.h:
lib/base/error.h:
