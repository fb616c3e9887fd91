# posta: one top-level GNU Makefile.
# make            build every cmd/<program> into $(BUILD)/bin/<program>
# make SAN=1      the same with ASan+UBSan into build-san/
# make test       dependencies, build, unit tests, every Bats suite; last line "N passed, N failed"
# make test-san   ASan+UBSan build (build-san/), then the smtpd, imapd, pop3d, tlsd and queue
#                 suites against it (test/bats/sanitizers.bats); fails on any sanitizer report
# make run        dependencies, build, instance under ./run, s6-svscan in the foreground
# make bench      benchmarks side by side with Postfix, Dovecot, stunnel, tcpserver
# BUILD=dir       build somewhere else (parallel work trees share the sources)

CXX      ?= g++
PREFIX   ?= /usr/local
DESTDIR  ?=
SAN      ?=
ifeq ($(SAN),1)
BUILD    ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
else
BUILD    ?= build
SANFLAGS :=
endif

CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++2b -Wall -Wextra -Werror -MMD -MP -Ilib $(SANFLAGS)
LDFLAGS  += $(SANFLAGS)
LDLIBS   := -levent_openssl -levent -lssl -lcrypto -ldb_cxx -lcrypt -lpthread
# Programs link libstdc++, libevent, OpenSSL and Berkeley DB statically: every connection
# execs two or three of them, and dynamic relocation of those libraries was half the cost
# of an exec (posta-tlsd 14 ms -> 7.6 ms per start, INTERNALS.md "Process start-up").
ifeq ($(SAN),1)
PROG_LDLIBS := $(LDLIBS)
else
PROG_LDLIBS := -static-libstdc++ -static-libgcc -Wl,-Bstatic -levent_openssl -levent -lssl \
               -lcrypto -ldb_cxx -Wl,-Bdynamic -lcrypt -lpthread -ldl
endif

# Libraries only some programs link (dynamic; the unit tests link them all):
# EXTRA_LIBS_<program> := -lfoo
# posta-spamcheck, exec'd per message, links its libraries statically as the other programs
# link theirs: libarchive (the shared one pulls in libxml2, ICU and a shared libstdc++),
# PCRE2, libpsl and what they need that Debian ships as .a; dynamic relocation of the shared
# ones cost about 8 ms per message (README "Linking"). zstd, lz4 and libunistring have no
# .a in Debian and stay shared. The unit tests, fuzzing and SAN=1 link everything shared.
SCAN_LIBS := -larchive
ifeq ($(SAN),1)
SPAMCHECK_LIBS := $(SCAN_LIBS) -lpcre2-8 -lpsl
else
SPAMCHECK_LIBS := -Wl,-Bstatic -larchive -lpcre2-8 -lpsl -lidn2 -lnettle -llzma -lbz2 -lz -Wl,-Bdynamic \
                  -l:libzstd.so.1 -l:liblz4.so.1 -l:libunistring.so.2
endif
EXTRA_LIBS_posta-authcheck := -lpsl
# posta-imapd: zlib for COMPRESS=DEFLATE (RFC 4978), static as the others' libraries
ifeq ($(SAN),1)
EXTRA_LIBS_posta-imapd := -lz
else
EXTRA_LIBS_posta-imapd := -Wl,-Bstatic -lz -Wl,-Bdynamic
endif
EXTRA_LIBS_posta-spamcheck := $(SPAMCHECK_LIBS)
# posta-backup: zstd for the repository's objects, static as the others' libraries
ifeq ($(SAN),1)
EXTRA_LIBS_posta-backup := -lzstd
else
EXTRA_LIBS_posta-backup := -Wl,-Bstatic -lzstd -Wl,-Bdynamic
endif
# Sieve (lib/sieve) runs :regex with PCRE2: every program that compiles or runs scripts
ifeq ($(SAN),1)
SIEVE_LIBS := -lpcre2-8
else
SIEVE_LIBS := -Wl,-Bstatic -lpcre2-8 -Wl,-Bdynamic
endif
EXTRA_LIBS_posta-local := $(SIEVE_LIBS)
# The full-text index (lib/fts) is Xapian, which Debian ships as a shared library only, built
# against the shared libstdc++: the programs that link it link libstdc++ (and libgcc)
# shared too, so that one C++ runtime throws and catches Xapian's exceptions (README "Linking").
XAPIAN_PROGRAMS := posta-imapd posta-mail
ifeq ($(SAN),1)
XAPIAN_LDLIBS := $(LDLIBS) -lxapian
else
XAPIAN_LDLIBS := -Wl,-Bstatic -levent_openssl -levent -lssl -lcrypto -ldb_cxx -Wl,-Bdynamic -lxapian \
                 -lcrypt -lpthread -ldl
endif
EXTRA_LIBS_posta-user := $(SIEVE_LIBS)
EXTRA_LIBS_posta-managesieved := $(SIEVE_LIBS)
EXTRA_LIBS_posta-sieve-test := $(SIEVE_LIBS)
UNIT_EXTRA_LIBS := -lpsl $(SCAN_LIBS) -lpcre2-8 -lzstd -lxapian -lz

PROGRAMS := $(notdir $(patsubst %/,%,$(wildcard cmd/*/)))
LIB_SRC  := $(filter-out %_test.cc %_fuzz.cc,$(wildcard lib/*/*.cc))
LIB_OBJ  := $(LIB_SRC:%.cc=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard test/unit/*_test.cc)
UNIT_OBJ := $(UNIT_SRC:%.cc=$(BUILD)/obj/%.o)
BINS     := $(PROGRAMS:%=$(BUILD)/bin/%)

.PHONY: all programs deps test test-san unit bats run bench install clean lint fuzz
all: $(BINS) $(BUILD)/bin/unit-tests
# the programs alone (no unit tests): what the Bats suites need
programs: $(BINS)

deps:
	@contrib/install-deps build

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(BUILD)/libposta.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

define program_rule
$(BUILD)/bin/$(1): $(patsubst %.cc,$(BUILD)/obj/%.o,$(wildcard cmd/$(1)/*.cc)) $(BUILD)/libposta.a
	@mkdir -p $$(dir $$@)
	$$(CXX) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(BUILD)/libposta.a \
	  $(if $(filter $(1),$(XAPIAN_PROGRAMS)),$$(XAPIAN_LDLIBS),$$(PROG_LDLIBS)) $$(EXTRA_LIBS_$(1))
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

$(BUILD)/bin/unit-tests: $(UNIT_OBJ) $(BUILD)/libposta.a
	@mkdir -p $(dir $@)
	$(CXX) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(BUILD)/libposta.a -lgtest -lgtest_main $(LDLIBS) $(UNIT_EXTRA_LIBS)

test:
	@contrib/install-deps test
	@$(MAKE) --no-print-directory -j2 all
	@BUILD=$(BUILD) test/run-tests

# SAN_BIN is the instrumented build that sanitizers.bats runs the suites against
test-san:
	@contrib/install-deps test
	@$(MAKE) --no-print-directory -j2 SAN=1 BUILD=build-san programs
	@BUILD=$(BUILD) SAN_BIN=$(CURDIR)/build-san/bin test/run-tests --bats-only test/bats/sanitizers.bats

unit: all
	@$(BUILD)/bin/unit-tests

# BATS=test/bats/foo.bats runs one suite
bats: all
	@BUILD=$(BUILD) test/run-tests --bats-only $(BATS)

run:
	@contrib/install-deps build
	@$(MAKE) --no-print-directory -j2 all
	@contrib/run-instance $(abspath $(BUILD)/bin) $(CURDIR)/run

bench:
	@contrib/install-deps bench
	@$(MAKE) --no-print-directory -j2 all
	@BUILD=$(BUILD) test/bench/run $(BENCH)

# make fuzz     libFuzzer targets test/fuzz/*_fuzz.cc -> build-fuzz/bin/ (clang 16, ASan+UBSan).
# libstdc++ 12 only declares std::expected when __cpp_concepts >= 202002L; clang 16
# implements what <expected> needs but still advertises 201907L, hence the -D.
FUZZ_CXX   ?= clang++-16
FUZZ_DIR   := build-fuzz
FUZZ_FLAGS := -std=c++2b -D__cpp_concepts=202002L -Wno-macro-redefined -g -O1 -Ilib \
              -fsanitize=fuzzer-no-link,address,undefined
FUZZ_MODS  := base io log smtp imap mime maildir mailhdr net sieve managesieve
# the codecs of the local protocols and what they use, and the spam tokenizer, without the
# rest of their modules (Berkeley DB)
FUZZ_FILES := lib/accounts/auth_proto.cc lib/policy/policy_proto.cc lib/queue/queued_proto.cc lib/queue/control_proto.cc \
              lib/queue/pipe_proto.cc lib/queue/spool.cc lib/control/control.cc \
              lib/auth/credentials.cc lib/auth/sasl.cc lib/proc/privilege.cc \
              lib/dmarc/record.cc lib/scan/attachments.cc lib/scan/archive.cc lib/scan/policy.cc lib/scan/settings.cc \
              lib/scan/sniff.cc \
              lib/spam/tokenize.cc lib/spam/tokenize_headers.cc lib/spam/tokenize_html.cc \
              lib/spf/record.cc lib/spf/macro.cc lib/spf/check.cc lib/dns/wire.cc \
              lib/spam/content.cc lib/spam/rules.cc lib/spam/rules_eval.cc
# lib/sieve's compiled forms hash with OpenSSL
FUZZ_LDLIBS := -lpcre2-8 -lcrypto $(SCAN_LIBS)
FUZZ_LIB_OBJ := $(patsubst %.cc,$(FUZZ_DIR)/obj/%.o,$(foreach m,$(FUZZ_MODS),$(wildcard lib/$(m)/*.cc)) $(FUZZ_FILES))
FUZZ_BINS  := $(patsubst test/fuzz/%.cc,$(FUZZ_DIR)/bin/%,$(wildcard test/fuzz/*_fuzz.cc))
fuzz: $(FUZZ_BINS)
$(FUZZ_DIR)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -MMD -MP -c $< -o $@
$(FUZZ_DIR)/libposta-fuzz.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(FUZZ_DIR)/bin/%: $(FUZZ_DIR)/obj/test/fuzz/%.o $(FUZZ_DIR)/libposta-fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $< $(FUZZ_DIR)/libposta-fuzz.a $(FUZZ_LDLIBS)
-include $(wildcard $(FUZZ_DIR)/obj/*/*/*.d $(FUZZ_DIR)/obj/test/fuzz/*.d)

lint:
	mandoc -Tlint -Wwarning man/*.[0-9]
	@contrib/check-xrefs

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/posta
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	for m in man/*.[0-9]; do s=$${m##*.}; install -d $(DESTDIR)$(PREFIX)/share/man/man$$s; \
	  install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	cp -R etc $(DESTDIR)$(PREFIX)/share/posta/

clean:
	rm -rf build build-san build-*

-include $(LIB_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(wildcard $(BUILD)/obj/cmd/*/*.d)
