# mpesa-pos: one Makefile for the whole tree.
#
#   make            build build/mpesa-pos, build/daraja-sim and the test binaries
#   make run        install missing packages, build, start daraja-sim, open the console
#   make check      install missing packages, build, run every test (plain + ASan/UBSan)
#   make deps       install missing Debian packages only
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each (default 60)
#   make soak       the long runs that do not belong in `make check`
#   make bench      benchmarks (BENCH=quick|full); rewrites bench/RESULTS.md
#   make screens    docs/screens.md from the console's expected test screens
#   make install    PREFIX=DIR [DESTDIR=...]: programs, man page, systemd unit
#   make uninstall  remove what make install put there
#   make clean      remove build/
#
# Layers live in src/<layer>/ (see docs/architecture.md). Every .c file in a
# layer folder is compiled into build/lib<layer>.a, except the program entry
# points (src/cli/main.c, src/sim/main.c). New files need no Makefile edit.
# V=1 shows the full commands.

CC       ?= cc
CLANG    ?= clang
BUILD    ?= build
export BUILD
ASAN     := $(BUILD)/asan

PKGS     := ncursesw libcurl libcjson sqlite3 openssl hiredis libqrencode libpng
# ncursesw brings -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600; feature-test macros are
# set here once and never in sources.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcivetweb -largon2 -lpthread -lm
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

WARN     := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla \
            -Wimplicit-fallthrough -fno-common
CPPFLAGS += -Isrc $(PKG_CFLAGS)
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 $(WARN) -MMD -MP
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
CPPFLAGS += -DPOS_VERSION='"$(VERSION)"' -DPOS_GIT_REV='"$(GIT_REV)"'

NPROC    := $(shell nproc 2>/dev/null || echo 2)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Layers in link order: a layer may use only those after it.
LAYERS   := cli ui app listener bus daraja store config core base
ENTRY    := src/cli/main.c src/sim/main.c

layer_srcs = $(filter-out $(ENTRY),$(wildcard src/$(1)/*.c))
layer_objs = $(patsubst src/%.c,$(2)/obj/%.o,$(call layer_srcs,$(1)))

LIBS     := $(foreach l,$(LAYERS),$(BUILD)/lib$(l).a)
ASAN_LIBS:= $(foreach l,$(LAYERS),$(ASAN)/lib$(l).a)
SIM_LIBS := $(BUILD)/libsim.a $(BUILD)/libcore.a $(BUILD)/libbase.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
ASAN_UNIT := $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(UNIT_SRCS))
ITEST_SRCS := $(wildcard tests/integration/test_*.c)
ITEST_BINS := $(patsubst tests/integration/%.c,$(BUILD)/itests/%,$(ITEST_SRCS))
# Test helpers shared by C tests (tests/support/*.c), linked into every test.
SUPPORT_SRCS := $(wildcard tests/support/*.c)
SUPPORT_OBJS := $(patsubst tests/%.c,$(BUILD)/obj/tests/%.o,$(SUPPORT_SRCS))
ASAN_SUPPORT := $(patsubst tests/%.c,$(ASAN)/obj/tests/%.o,$(SUPPORT_SRCS))
# Test tools (load generators, seeders) used by shell suites and bench/.
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
PLUGIN_SRCS := $(wildcard src/bus/plugins/*.c)
PLUGINS  := $(patsubst src/bus/plugins/%.c,$(BUILD)/plugins/%.so,$(PLUGIN_SRCS))

PROGRAMS := $(BUILD)/mpesa-pos $(BUILD)/daraja-sim

.SECONDARY:
.PHONY: all deps run check unit asan-unit asan fuzz soak bench screens clean tests fuzz-build
all: $(PROGRAMS) tests $(PLUGINS)
tests: $(UNIT_BINS) $(ITEST_BINS) $(TOOL_BINS)

deps:
	$(Q)scripts/deps.sh

# ---- objects and archives ------------------------------------------------
$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(ASAN)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-ASAN $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CMOCKA_CFLAGS) -Itests $(CFLAGS) -c $< -o $@

$(ASAN)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-ASAN $<")
	$(Q)$(CC) $(CPPFLAGS) $(CMOCKA_CFLAGS) -Itests $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

define layer_rules
$(BUILD)/lib$(1).a: $(call layer_objs,$(1),$(BUILD))
	@mkdir -p $$(@D)
	@$$(if $(Q),echo "  AR      $$@")
	$(Q)rm -f $$@ && ar rcs $$@ $$^
$(ASAN)/lib$(1).a: $(call layer_objs,$(1),$(ASAN))
	@mkdir -p $$(@D)
	@$$(if $(Q),echo "  AR      $$@")
	$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS) sim,$(eval $(call layer_rules,$(l))))

# ---- programs --------------------------------------------------------------
$(BUILD)/mpesa-pos: $(BUILD)/obj/cli/main.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS) -ldl

$(BUILD)/daraja-sim: $(BUILD)/obj/sim/main.o $(SIM_LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(SIM_LIBS) $(PKG_LIBS)

$(BUILD)/plugins/%.so: src/bus/plugins/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-SO   $@")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared -o $@ $<

# ---- tests -------------------------------------------------------------------
# Unit tests link every layer (and the simulator's library, for its own units;
# it comes first, since it uses base/ and core/ and a static link resolves
# left to right).
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_OBJS) $(LIBS) $(BUILD)/libsim.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(SUPPORT_OBJS) $(BUILD)/libsim.a $(LIBS) $(PKG_LIBS) $(CMOCKA_LIBS) -ldl

$(ASAN)/tests/%: $(ASAN)/obj/tests/unit/%.o $(ASAN_SUPPORT) $(ASAN_LIBS) $(ASAN)/libsim.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD-ASAN $@")
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(ASAN_SUPPORT) $(ASAN)/libsim.a $(ASAN_LIBS) $(PKG_LIBS) $(CMOCKA_LIBS) -ldl

$(BUILD)/itests/%: $(BUILD)/obj/tests/integration/%.o $(SUPPORT_OBJS) $(LIBS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(SUPPORT_OBJS) $(LIBS) $(PKG_LIBS) $(CMOCKA_LIBS) -ldl

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(SUPPORT_OBJS) $(LIBS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(SUPPORT_OBJS) $(LIBS) $(PKG_LIBS) -ldl

asan-unit: $(ASAN_UNIT)

# The programs and test tools with ASan + UBSan, for the shell suites that
# run against them (scripts/run-tests.sh: "asan-sh/").
ASAN_PROGRAMS := $(ASAN)/mpesa-pos $(ASAN)/daraja-sim \
                 $(patsubst tests/tools/%.c,$(ASAN)/tools/%,$(TOOL_SRCS))
asan: asan-unit $(ASAN_PROGRAMS)

$(ASAN)/mpesa-pos: $(ASAN)/obj/cli/main.o $(ASAN_LIBS)
	@$(if $(Q),echo "  LD-ASAN $@")
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(ASAN_LIBS) $(PKG_LIBS) -ldl

$(ASAN)/daraja-sim: $(ASAN)/obj/sim/main.o $(ASAN)/libsim.a $(ASAN)/libcore.a $(ASAN)/libbase.a
	@$(if $(Q),echo "  LD-ASAN $@")
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(ASAN)/libsim.a $(ASAN)/libcore.a $(ASAN)/libbase.a $(PKG_LIBS)

$(ASAN)/tools/%: $(ASAN)/obj/tests/tools/%.o $(ASAN_SUPPORT) $(ASAN_LIBS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD-ASAN $@")
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $< $(ASAN_SUPPORT) $(ASAN_LIBS) $(PKG_LIBS) -ldl

# Fuzz targets: clang + libFuzzer, in their own build folder. The layers a
# parser of outside input lives in are compiled once with clang's sanitizer
# coverage into one archive; each target links it.
FUZZ_CFLAGS := -g -O1 -std=c11 -Isrc $(PKG_CFLAGS) -DPOS_VERSION='"fuzz"' -DPOS_GIT_REV='"fuzz"'
FUZZ_LAYERS := daraja config core base
FUZZ_OBJS := $(foreach l,$(FUZZ_LAYERS),$(call layer_objs,$(l),$(BUILD)/fuzz))
$(BUILD)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC-FUZZ $<")
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c $< -o $@
$(BUILD)/fuzz/libfuzzlib.a: $(FUZZ_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libfuzzlib.a
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/fuzz/libfuzzlib.a $(PKG_LIBS)
fuzz-build: $(FUZZ_BINS)

# ---- the two commands ---------------------------------------------------------
run: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all
	$(Q)scripts/run-demo.sh

check: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all asan fuzz-build
	$(Q)scripts/run-tests.sh

FUZZ_SECONDS ?= 60
fuzz: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) fuzz-build
	$(Q)scripts/fuzz.sh $(FUZZ_SECONDS)

soak: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all asan fuzz-build
	$(Q)scripts/run-tests.sh --soak

# make screens: docs/screens.md from the UI tests' expected screens
# (make check fails when it differs: scripts/screens.sh --check).
screens:
	$(Q)scripts/screens.sh

# make bench: quick mode (under 3 minutes); make bench BENCH=full for the
# million-row runs. Rewrites bench/RESULTS.md.
BENCH ?= quick
bench: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) all
	$(Q)bench/run.sh $(BENCH)

# ---- install -------------------------------------------------------------------
# make install PREFIX=DIR [DESTDIR=STAGE]: the programs, the man page, the
# example configuration, the simulator's test key pair, and a hardened systemd
# unit for `mpesa-pos serve` (from assets/mpesa-pos.service.in, @BINDIR@
# replaced) with its sysusers.d entry. make uninstall (same PREFIX, DESTDIR)
# removes exactly those files, and the folders it made if they are left empty.
# docs/operations.md says what goes where and how to start the service.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/mpesa-pos
DATADIR     ?= $(PREFIX)/share/mpesa-pos
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL     ?= install
INSTALL_FILES := $(BINDIR)/mpesa-pos $(BINDIR)/daraja-sim $(MANDIR)/man1/mpesa-pos.1 \
                 $(DOCDIR)/mpesa-pos.conf.example $(DATADIR)/sim-cert.pem \
                 $(DATADIR)/sim-key.pem $(UNITDIR)/mpesa-pos.service \
                 $(SYSUSERSDIR)/mpesa-pos.conf
# Deepest first, so that a parent is empty when its turn comes.
INSTALL_DIRS := $(MANDIR)/man1 $(MANDIR) $(DOCDIR) $(PREFIX)/share/doc $(DATADIR) \
                $(PREFIX)/share $(UNITDIR) $(PREFIX)/lib/systemd $(SYSUSERSDIR) \
                $(PREFIX)/lib $(BINDIR)

.PHONY: install uninstall
install: $(PROGRAMS)
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	$(Q)$(INSTALL) -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	$(Q)$(INSTALL) -m 644 docs/mpesa-pos.1 $(DESTDIR)$(MANDIR)/man1/mpesa-pos.1
	$(Q)$(INSTALL) -m 644 mpesa-pos.conf.example $(DESTDIR)$(DOCDIR)/mpesa-pos.conf.example
	$(Q)$(INSTALL) -m 644 assets/sim-cert.pem assets/sim-key.pem $(DESTDIR)$(DATADIR)/
	$(Q)sed 's|@BINDIR@|$(BINDIR)|g' assets/mpesa-pos.service.in >$(DESTDIR)$(UNITDIR)/mpesa-pos.service.tmp
	$(Q)chmod 644 $(DESTDIR)$(UNITDIR)/mpesa-pos.service.tmp
	$(Q)mv $(DESTDIR)$(UNITDIR)/mpesa-pos.service.tmp $(DESTDIR)$(UNITDIR)/mpesa-pos.service
	$(Q)$(INSTALL) -m 644 assets/mpesa-pos.sysusers $(DESTDIR)$(SYSUSERSDIR)/mpesa-pos.conf
	@echo "installed mpesa-pos in $(DESTDIR)$(PREFIX)"

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	$(Q)for d in $(addprefix $(DESTDIR),$(INSTALL_DIRS)); do \
	    [ -d "$$d" ] && rmdir --ignore-fail-on-non-empty "$$d"; done; true
	@echo "removed mpesa-pos from $(DESTDIR)$(PREFIX)"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
