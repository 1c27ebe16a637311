# tsnet - see README.md.  `make`, `make check`, `make demo`, `make deps`.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

CC ?= gcc
PKGS := libmnl libnftnl libpcap nettle
WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-align -Wwrite-strings \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef \
	-Wno-unused-parameter -Werror
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -pthread $(WARN) -D_GNU_SOURCE -I. \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
override LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null)

B ?= build
# Every source of the program but main.c goes into one archive that the
# unit tests link against: every top folder's C files but the tests' and
# the tools', so a new folder is picked up as it appears.
NOT_TSNET := tests/% bench/% demo/% contrib/% build%
LIB_SRCS := $(sort $(filter-out $(NOT_TSNET),$(wildcard */*.c))) agent.c
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

all: tsnet

tsnet: $(B)/main.o $(B)/libtsnet.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/libtsnet.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJS:.o=.d) $(B)/main.d

# The tests include the headers of what they test (and some its .c
# files): their dependencies are tracked as the library's are.
$(B)/tests/%: tests/unit/%.c $(B)/libtsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(B)/libtsnet.a $(LDLIBS) -lcriterion

-include $(UNIT_BINS:=.d)

unit: $(UNIT_BINS)
	@tests/run-unit $(UNIT_BINS)

# The unit tests again under AddressSanitizer and UBSan, in their own
# build tree so the two never mix objects.
ASAN_MAKE = $(MAKE) B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all" \
	LDFLAGS="-fsanitize=address,undefined"
asan:
	$(ASAN_MAKE) unit-asan

unit-asan: $(UNIT_BINS) tsnet-asan
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		tests/run-unit $(UNIT_BINS)

# The unit tests under valgrind's memcheck, on the plain build: what ASan
# does not see (reads of uninitialised memory); any error fails.  Each
# test runs in a process of its own and each costs valgrind about a
# second to start, so `make unit-valgrind` (every binary) takes many
# minutes; `make check` runs unit-valgrind-check: the suites that read
# untrusted bytes or handle keys (VALGRIND_UNITS, the one list), two at
# a time, with TSN_UNIT_VALGRIND=1 (tests/unit/params.h: a parameterized
# table's cases in one process).  The tools the tests run (sh, ls) are
# not traced.
VALGRIND = valgrind -q --error-exitcode=99 --exit-on-first-error=yes \
	--trace-children=yes \
	--trace-children-skip=*/bin/*,*/sbin/* \
	--leak-check=full --errors-for-leak-kinds=definite
# Packets, captures, JSON, VICI, the nftables model, the inventory, the
# xfrm and /proc parsers, keys and secrets; the longest first.
VALGRIND_UNITS := nft_eval json_read throughput xfrm verify inventory \
	nft_sets json plan vici nft_read redact status ike classify \
	inventory_addr esp sha inventory_reject nft_text legacy probe_answer \
	pcapng mnl_dump connmark probe_cloud pf_diag
unit-valgrind: $(UNIT_BINS)
	@TSN_UNIT_VALGRIND=1 TSN_UNIT_WRAP="$(VALGRIND)" tests/run-unit $(UNIT_BINS)
unit-valgrind-check: $(VALGRIND_UNITS:%=$(B)/tests/test_%)
	@TSN_UNIT_VALGRIND=1 TSN_UNIT_WRAP="$(VALGRIND)" TSN_UNIT_JOBS=2 \
		tests/run-unit $^

tsnet-asan: $(B)/main.o $(B)/libtsnet.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $(B)/tsnet $^ $(LDLIBS)

# Small C programs the integration tests drive (tests/helpers/*.c).
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPERS := $(HELPER_SRCS:tests/helpers/%.c=$(B)/helpers/%)
$(B)/helpers/%: tests/helpers/%.c $(B)/libtsnet.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(B)/libtsnet.a $(LDLIBS)
-include $(HELPERS:=.d)
helpers: $(HELPERS)

integration: tsnet helpers
	@tests/run-integration

# tsnet itself under the sanitizers, through the quick integration
# scripts that need no VM; a sanitizer report fails.
integration-asan: tsnet helpers $(B)/tests/test_transport
	$(ASAN_MAKE) tsnet-asan
	@tests/run-integration-asan

# libFuzzer targets: one per parser (tests/fuzz/fuzz_*.c).  The library
# is compiled once with coverage instrumentation, then each target links
# against it.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -I. -g -O1 \
	-fsanitize=address,undefined $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJS := $(filter-out build-fuzz/obj/agent.o,$(LIB_SRCS:%.c=build-fuzz/obj/%.o))
fuzz: $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
# A header change (a struct's layout) rebuilds what includes it: stale
# objects of another layout crash the fuzzers on their own seeds.
-include $(FUZZ_OBJS:.o=.d)
build-fuzz/libtsnet.a: $(FUZZ_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^
build-fuzz/%: tests/fuzz/%.c build-fuzz/libtsnet.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libtsnet.a \
		$(LDLIBS)
fuzz-run: fuzz
	@tests/run-fuzz $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)

# The README's test command: everything, from a bare Debian 12.
check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) asan
	$(MAKE) unit-valgrind-check
	$(MAKE) fuzz-run
	$(MAKE) integration
	$(MAKE) integration-asan
	$(MAKE) lint
	$(MAKE) bare

# Every shell script in the tree, found by its #! line or its name.
lint:
	@tests/run-lint
	@tests/check-layers

# What a new machine does, in a debootstrap minbase chroot: a clean
# clone, make deps, the build, lint and the unit tests (needs root).
bare:
	@tests/bare/run

demo: deps all
	demo/demo.sh

bench: deps all helpers
	bench/run

DEPS := build-essential pkg-config libnftnl-dev libmnl-dev libpcap-dev nettle-dev \
	libcriterion-dev nftables tcpdump strongswan-swanctl strongswan-charon \
	strongswan-pki libstrongswan-standard-plugins qemu-system-x86 \
	linux-image-amd64 busybox-static cpio iputils-ping openssh-server \
	openssh-client ike-scan nmap tshark shellcheck clang valgrind iproute2 \
	kmod procps psmisc util-linux jq python3 iptables bc bash-completion \
	strace libclang-rt-14-dev git awscli debootstrap conntrack dpkg-dev \
	lintian chromium
deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $$missing; \
	fi

install: tsnet
	install -D -m 0755 tsnet $(DESTDIR)$(SBINDIR)/tsnet
	for m in man/*.8; do \
		install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man8/$$(basename $$m); \
	done
	install -D -m 0644 contrib/tsnet.bash-completion \
		$(DESTDIR)$(COMPLETIONDIR)/tsnet

# A Debian package of what `make install` installs, for every node:
# tsnet_VERSION_ARCH.deb in DEBDIR (contrib/deb/build.sh says what is in
# it).
DEBDIR ?= .
deb: tsnet
	contrib/deb/build.sh $(DEBDIR)

clean:
	rm -rf build build-asan build-fuzz tsnet tsnet_*.deb

.PHONY: all helpers unit asan unit-asan unit-valgrind unit-valgrind-check \
	tsnet-asan integration \
	integration-asan fuzz fuzz-run check lint bare demo bench deps install \
	deb clean
.DELETE_ON_ERROR:
