# SPDX-License-Identifier: Apache-2.0
#
# oct: one GNU Makefile for every program, the library, the tests and the
# Debian packages they need.
#
#	make deps		install the Debian packages that are missing
#	make			build bin/oct-*
#	make check		deps, build, then every test; ends "N passed, N failed"
#	make check SANITIZE=1	the same on an ASan+UBSan build
#	make demo		deps, build, and a demo load balancer serving traffic
#	make lint		shellcheck and mandoc -Tlint
#	make install		PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
UNITDIR	 = $(PREFIX)/lib/systemd/system

# Debian packages: to build, and to run and test.
DEBS_BUILD = gcc make pkg-config libssl-dev libcurl4-openssl-dev \
	libjansson-dev libbsd-dev libevent-dev libsystemd-dev libyaml-dev
DEBS_RUN = openssl curl haproxy keepalived iproute2 iputils-ping procps \
	psmisc jq bats bats-support bats-assert shellcheck mandoc python3
# The tests' real peers: Octavia's own amphora agent (/usr/bin/amphora-agent;
# not octavia-agent, which adds services to the host); wrk, the HTTP load
# generator of tests/agentstress.bats.
DEBS_TEST = python3-octavia wrk
DEBS	?= $(DEBS_BUILD) $(DEBS_RUN)

PKGS	 = openssl libcurl jansson libbsd-overlay libevent libevent_openssl \
	libsystemd yaml-0.1

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
LDLIBS	 = $(PKG_LIBS) -lm

PROGS	:= $(notdir $(wildcard src/oct-*))
BINS	:= $(PROGS:%=bin/%)
LIB_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(wildcard lib/*.c))
LIBOCT	:= $(OBJ)/liboct.a
UNITS	:= $(patsubst tests/unit/%.c,$(OBJ)/tests/%,\
	$(wildcard tests/unit/test_*.c))
BENCHES	:= $(patsubst tests/bench/%.c,$(OBJ)/bench/%,\
	$(wildcard tests/bench/*.c))
SCRIPTS	:= $(shell grep -lsE '^\#!.*(ba)?sh' bin/* .ci/run tests/*.sh \
	tests/bench/*.sh tests/peers/*/*.sh 2>/dev/null) $(wildcard lib/*.sh)
MANS	:= $(wildcard src/oct-*/*.[18] bin/*.[18])

# Relink everything when the build variant changes (bin/ is shared).
ifneq ($(shell cat build/.variant 2>/dev/null),$(V))
RELINK	:= FORCE
endif

.PHONY: all deps check units benchtools lint demo install clean FORCE
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

# make check installs the test peers too (deps sees check's DEBS).
check: DEBS += $(DEBS_TEST)
check: deps
	@$(MAKE) --no-print-directory all units benchtools
	@OCT_UNIT_DIR=$(OBJ)/tests OCT_BENCH_DIR=$(OBJ)/bench OCT_SCRIPTS="$(SCRIPTS)" \
	    OCT_MANS="$(MANS)" OCT_VARIANT=$(V) tests/run.sh

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
