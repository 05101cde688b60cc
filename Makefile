# SPDX-License-Identifier: Apache-2.0
#
# oct: one GNU Makefile for every program, the library, the tests and the
# Debian packages they need.
#
#	make deps		install the Debian packages that are missing
#	make			build bin/oct-*
#	make check		deps, build, then every test; ends "N passed, N failed"
#	make check SANITIZE=1	the same on an ASan+UBSan build
#	make check VALGRIND=1	the agent's suites with oct-agent under memcheck
#	make check VALGRIND=also	both at once (.ci/run); OCT_TEST_JOBS=N
#				parts at a time (default 4, tests/run.sh)
#	make fuzz FUZZ_SECONDS=N	each libFuzzer target for N s (deps-fuzz);
#	    FUZZ_RUNS="agent=10000000" that target for that many inputs
#	make demo		deps, build, and a demo load balancer serving traffic
#	make lint		shellcheck and mandoc -Tlint
#	make install		PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
UNITDIR	 = $(PREFIX)/lib/systemd/system

# Debian packages: to build, and to run and test.
DEBS_BUILD = gcc make pkg-config libssl-dev libcurl4-openssl-dev \
	libjansson-dev libbsd-dev libevent-dev libyaml-dev \
	libpcre2-dev libunistring-dev
DEBS_RUN = openssl curl haproxy keepalived iproute2 iputils-ping procps \
	psmisc jq bats bats-support bats-assert shellcheck mandoc python3
# clang and its libFuzzer runtime, for the fuzz targets.
DEBS_FUZZ = clang libclang-rt-14-dev
# What the tests need besides: Octavia's own amphora agent
# (/usr/bin/amphora-agent; not octavia-agent, which adds services to the
# host), wrk (the HTTP load of tests/agentstress.bats), valgrind, and the
# fuzz targets' compiler.
DEBS_TEST = python3-octavia wrk valgrind $(DEBS_FUZZ)
DEBS	?= $(DEBS_BUILD) $(DEBS_RUN)

PKGS	 = openssl libcurl jansson libbsd-overlay libevent libevent_openssl \
	yaml-0.1 libpcre2-8

V	:= $(if $(SANITIZE),san,std)
OBJ	:= build/$(V)

CC	?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wshadow -Wpointer-arith -Wsign-compare \
	-Wcast-qual -Werror
ifeq ($(V),san)
HARDEN	 = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDHARDEN = -fsanitize=address,undefined
else
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
endif
OCT_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
CFLAGS	?= -O2 -g
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(CFLAGS) $(WARN) $(HARDEN) -Ilib \
	-DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
	-DOCT_VERSION='"$(OCT_VERSION)"' $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(LDHARDEN)
LDLIBS	 = $(PKG_LIBS) -lunistring -lm

PROGS	:= $(notdir $(wildcard src/oct-*))
BINS	:= $(PROGS:%=bin/%)
LIB_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(wildcard lib/*.c))
LIBOCT	:= $(OBJ)/liboct.a
UNITS	:= $(patsubst tests/unit/%.c,$(OBJ)/tests/%,\
	$(wildcard tests/unit/test_*.c))
BENCHES	:= $(patsubst tests/bench/%.c,$(OBJ)/bench/%,\
	$(wildcard tests/bench/*.c))
SCRIPTS	:= $(shell grep -lsIE '^\#!.*(ba)?sh' bin/* .ci/run tests/*.sh \
	tests/bench/*.sh tests/fuzz/*.sh tests/prop/*.sh tests/peers/*/*.sh \
	tests/valgrind/* 2>/dev/null) $(wildcard lib/*.sh)
# The suites make check VALGRIND=1 runs: those that drive oct-agent.
VALGRIND_TESTS = tests/oct-agent.bats
MANS	:= $(wildcard src/oct-*/*.[18] bin/*.[18])

# Relink everything when the build variant changes (bin/ is shared).
ifneq ($(shell cat build/.variant 2>/dev/null),$(V))
RELINK	:= FORCE
endif

.PHONY: all deps deps-fuzz check units benchtools fuzzers fuzz lint demo \
	install clean FORCE
.DEFAULT_GOAL := all

all: $(BINS)

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBOCT): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

define prog_rule
bin/$(1): $(patsubst %.c,$(OBJ)/%.o,$(wildcard src/$(1)/*.c)) $(LIBOCT) $(RELINK)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$(filter %.o,$$^) $$(LIBOCT) $$(LDLIBS)
	@mkdir -p build && echo $(V) > build/.variant
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(OBJ)/tests/%: $(OBJ)/tests/unit/%.o $(LIBOCT)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBOCT) $(LDLIBS)

$(OBJ)/tests/unit/%.o: ALL_CFLAGS += -Wno-format-truncation -Wno-declaration-after-statement

units: $(UNITS)

# C helpers of the benchmarks and tests (load clients and the like).
$(OBJ)/bench/%: $(OBJ)/tests/bench/%.o $(LIBOCT)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBOCT) $(LDLIBS)

benchtools: $(BENCHES)

# libFuzzer targets (tests/fuzz/<target>.c), built by clang with ASan and
# UBSan into build/fuzz/bin/; the library is rebuilt with the same flags.
FUZZ_CC	?= clang
FUZZ_SECONDS ?= 10
FUZZ	 = build/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE -g -O1 $(WARN) $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -Ilib -DOPENSSL_API_COMPAT=30000 \
	-DOPENSSL_NO_DEPRECATED -DOCT_VERSION='"$(OCT_VERSION)"' \
	$(PKG_CFLAGS) -MMD -MP
FUZZERS	:= $(patsubst tests/fuzz/%.c,$(FUZZ)/bin/%,\
	$(wildcard tests/fuzz/*.c))
FUZZ_LIB := $(FUZZ)/liboct.a

$(FUZZ)/%.o: %.c
	@mkdir -p $(@D)
	@echo "CC(fuzz) $<"; $(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(patsubst %.c,$(FUZZ)/%.o,$(wildcard lib/*.c))
	rm -f $@
	$(AR) rcs $@ $^

# The route target links oct-agent's pure routing decision, not the agent.
$(FUZZ)/tests/fuzz/route.o: FUZZ_CFLAGS += -Isrc/oct-agent
$(FUZZ)/bin/route: $(FUZZ)/src/oct-agent/route.o
# The agent target links the agent's files but main.c, and the stand-ins
# of tests/fuzz/standin/ for proc.c and lib/log.c (no child runs, no log).
AGENT_FUZZ_OBJS := $(patsubst %.c,$(FUZZ)/%.o,\
	$(filter-out src/oct-agent/main.c src/oct-agent/proc.c,\
	$(wildcard src/oct-agent/*.c)) $(wildcard tests/fuzz/standin/*.c))
$(FUZZ)/tests/fuzz/agent.o $(FUZZ)/tests/fuzz/standin/%.o: \
	FUZZ_CFLAGS += -Isrc/oct-agent
$(FUZZ)/bin/agent: $(AGENT_FUZZ_OBJS)

$(FUZZ)/bin/%: $(FUZZ)/tests/fuzz/%.o $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $(filter %.o,$^) \
	    $(FUZZ_LIB) $(LDLIBS)

fuzzers: $(FUZZERS)
.SECONDARY: $(patsubst $(FUZZ)/bin/%,$(FUZZ)/tests/fuzz/%.o,$(FUZZERS))

# Each target for FUZZ_SECONDS (or FUZZ_RUNS inputs) over a work copy of
# its corpus, then the renderer's property on a sample of the models it
# found and generated ones.
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory fuzzers benchtools
	@tests/fuzz/fuzz.sh -t $(FUZZ_SECONDS) -d $(FUZZ) $(FUZZ_RUNS:%=-n %)
	@OCT_BENCH_DIR=$(OBJ)/bench tests/fuzz/render-check.sh -n 150 -g 50 \
	    $(FUZZ)/work/lbmodel tests/fuzz/lbmodel

deps-fuzz:
	@$(MAKE) --no-print-directory deps DEBS="$(DEBS_FUZZ)"

deps:
	@missing=; \
	for p in $(DEBS); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null; then \
		echo "make deps: missing:$$missing (no apt-get here)" >&2; \
		exit 1; \
	fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make deps: missing:$$missing; run as root" >&2; exit 1; \
	fi; \
	echo "make deps: installing:$$missing"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -q >/dev/null && \
	apt-get install -y -q --no-install-recommends $$missing >/dev/null

# make check installs the test peers too (deps sees check's DEBS).  The
# fuzz targets run their regression inputs, and (plain build only) fuzz for
# CHECK_FUZZ_SECONDS each; without clang's libFuzzer they are skipped, and
# say so.
check: DEBS += $(DEBS_TEST)
CHECK_FUZZ_SECONDS ?= 10
check: deps
	@$(MAKE) --no-print-directory all units benchtools
	@if rt=$$($(FUZZ_CC) --print-runtime-dir 2>/dev/null) && \
	    [ -f "$$rt/libclang_rt.fuzzer-$$(uname -m).a" ]; then \
		$(MAKE) --no-print-directory fuzzers; \
	fi
	@OCT_UNIT_DIR=$(OBJ)/tests OCT_BENCH_DIR=$(OBJ)/bench OCT_SCRIPTS="$(SCRIPTS)" \
	    OCT_MANS="$(MANS)" OCT_VARIANT=$(V) VALGRIND=$(VALGRIND) \
	    VALGRIND_TESTS="$(VALGRIND_TESTS)" OCT_FUZZ_DIR=$(FUZZ) \
	    OCT_FUZZ_SECONDS=$(if $(SANITIZE),0,$(CHECK_FUZZ_SECONDS)) \
	    tests/run.sh

lint:
	shellcheck -x $(SCRIPTS)
	mandoc -Tlint -W warning $(MANS)

demo: deps
	@$(MAKE) --no-print-directory all
	bin/oct-demo

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	for f in bin/*; do \
		case " $(BINS) $(MANS) " in *" $$f "*) continue;; esac; \
		install -m 755 "$$f" $(DESTDIR)$(BINDIR); \
	done
	install -d $(DESTDIR)$(PREFIX)/lib/oct
	install -m 644 lib/oct.sh $(DESTDIR)$(PREFIX)/lib/oct/oct.sh
	for m in $(MANS); do \
		s=$${m##*.}; install -m 644 "$$m" $(DESTDIR)$(MANDIR)/man$$s; \
	done
	for u in src/oct-*/*.service; do \
		[ -f "$$u" ] && install -m 644 "$$u" $(DESTDIR)$(UNITDIR); \
	done; true

clean:
	rm -rf build $(BINS)

-include $(shell find build -name '*.d' 2>/dev/null)
