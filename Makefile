# zoek - full-text search for Dutch, German and English news.
#
#   make            library (build/libzoek.a, build/libzoek.so) and CLIs
#   make test       unit, golden, CLI and replay tests
#   make asan       the tests under AddressSanitizer + UBSan
#   make valgrind   CLI tests with the tools under valgrind (a subset)
#   make lint       cppcheck and clang-tidy on the project's code
#   make demo       install missing packages, build, index corpus/, search
#   make eval       ranking quality on ../shared/eval (see docs/QUALITY.md)
#   make eval-baseline   the same, and rewrite the baseline in docs/QUALITY.md
#   make bench      speed against peers on ../shared/bench-corpus
#   make bench-scale  zoek from 100 k to 1 M passages (slow)
#   make fuzz       libFuzzer targets (clang)
#   make install / uninstall   PREFIX, DESTDIR, BINDIR, LIBDIR, INCLUDEDIR,
#                   MANDIR (see README.md)
#   make man        the manual pages as text in build/man/, checked by groff

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
OPT ?= -O2 -g
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2
CFLAGS ?= $(OPT)
ifeq ($(CI),true)
WARN += -Werror
endif
PKG_CFLAGS := $(shell pkg-config --cflags lmdb zlib libutf8proc 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs lmdb zlib libutf8proc 2>/dev/null || \
                echo -llmdb -lz -lutf8proc)
ALL_CFLAGS = -std=c99 -D_GNU_SOURCE -fPIC -fvisibility=hidden -pthread \
             $(WARN) -Iinclude -Iindexer -Isearcher -I$(B)/gen $(PKG_CFLAGS) \
             $(CFLAGS)
LIBS = -lstemmer $(PKG_LIBS) -lm -pthread
# The CLIs are linked as position-dependent executables with the
# dependencies' static archives where they are installed (Debian's -dev
# packages ship them): the dynamic loader then has almost nothing to
# relocate, and a fresh zoek-search starts 2 ms sooner.  libc stays shared.
# STATIC_DEPS=0: shared libraries, a PIE.
STATIC_DEPS ?= 1
DEP_ARCHIVES := $(foreach l,stemmer lmdb z utf8proc,$(shell $(CC) -print-file-name=lib$(l).a))
ifeq ($(STATIC_DEPS)$(words $(wildcard $(DEP_ARCHIVES))),14)
CLI_LIBS = -no-pie $(DEP_ARCHIVES) -lm -pthread
else
CLI_LIBS = $(LIBS)
endif

B ?= build
SOVERSION = 0
VERSION = 0.1.0

LIB_SRC := $(filter-out %/main.c,$(wildcard indexer/*.c searcher/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
HDRS := $(wildcard include/*.h indexer/*.h searcher/*.h)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/replay/%)

all: $(B)/libzoek.a $(B)/libzoek.so $(B)/zoek-index $(B)/zoek-search

$(B)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -c $< -o $@

# The compound word lists' hash tables, computed at build time.
$(B)/gen/compound_slots.inc: tools/gen_compound_slots.c indexer/compound_data.inc \
                             indexer/util.c indexer/util.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $(B)/gen/gen_compound_slots \
	    tools/gen_compound_slots.c indexer/util.c
	$(B)/gen/gen_compound_slots >$@.tmp && mv $@.tmp $@

$(B)/obj/indexer/compound.o: $(B)/gen/compound_slots.inc

$(B)/libzoek.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libzoek.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libzoek.so.$(SOVERSION) $(LDFLAGS) \
	    -o $@.$(VERSION) $^ $(LIBS)
	ln -sf libzoek.so.$(VERSION) $(B)/libzoek.so.$(SOVERSION)
	ln -sf libzoek.so.$(VERSION) $@

$(B)/zoek-index: $(B)/obj/indexer/main.o $(B)/libzoek.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CLI_LIBS) $(LDLIBS)

$(B)/zoek-search: $(B)/obj/searcher/main.o $(B)/libzoek.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(CLI_LIBS) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libzoek.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libzoek.a $(LIBS) $(LDLIBS)

# Fuzz targets built as plain programs that replay saved inputs.
$(B)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(B)/libzoek.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c \
	    $(B)/libzoek.a $(LIBS) $(LDLIBS)

test: all $(TEST_BIN) $(REPLAY_BIN)
	@B=$(B) LDFLAGS="$(LDFLAGS)" sh tests/run.sh

asan:
	$(MAKE) B=build/asan STATIC_DEPS=0 OPT="-O1 -g -fsanitize=address,undefined \
	    -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="-fsanitize=address,undefined" test

# libFuzzer targets (clang): every tests/fuzz/fuzz_*.c, FUZZ_TIME seconds
# each, starting from tests/fuzz/corpus/<name>/; new inputs and crashes go
# to tests/fuzz/findings/.  FUZZ_TARGETS=query runs one.
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_ARGS ?=
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_OPT = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
           -fno-sanitize-recover=undefined -fno-omit-frame-pointer

fuzz:
	$(MAKE) B=build/fuzz CC=$(FUZZ_CC) OPT="$(FUZZ_OPT)" \
	    LDFLAGS="-fsanitize=address,undefined" fuzz-run

fuzz-run: $(FUZZ_TARGETS:%=$(B)/fuzzers/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p tests/fuzz/findings/$$t || exit 1; \
	    echo "fuzz_$$t: $(FUZZ_TIME) s"; \
	    $(B)/fuzzers/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
	        -print_final_stats=1 -artifact_prefix=tests/fuzz/findings/$$t- \
	        $(FUZZ_ARGS) tests/fuzz/findings/$$t tests/fuzz/corpus/$$t \
	        || exit 1; \
	done

$(B)/fuzzers/%: tests/fuzz/%.c $(B)/libzoek.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< \
	    $(B)/libzoek.a $(LIBS) $(LDLIBS)

# CLI tests with both tools under valgrind; VALGRIND_TESTS picks them.
VALGRIND_TESTS ?= corpus incremental badjsonl badquery

valgrind: all
	@B=$(B) sh tests/valgrind.sh $(VALGRIND_TESTS)

# cppcheck and clang-tidy (.clang-tidy); accepted findings with their
# reasons in tests/lint/.
lint: $(B)/gen/compound_slots.inc
	@B=$(B) sh tests/lint.sh

demo:
	@sh tests/deps.sh
	$(MAKE) all
	rm -rf $(B)/demo-index
	$(B)/zoek-index -d $(B)/demo-index corpus
	$(B)/zoek-search -d $(B)/demo-index -n 3 "smokkel van chips naar China"

# Ranking quality (docs/QUALITY.md).  SEARCH_FLAGS go to every zoek-search
# run, CROSS_FLAGS only to the cross-language rows.
EVAL_DATA ?= ../shared/eval
SEARCH_FLAGS ?=
CROSS_FLAGS ?= --cross
DICT_DIR ?= /usr/share/dictd
EVAL = python3 eval/quality.py --data $(EVAL_DATA) --bin $(B) \
    --work $(B)/eval "--flags=$(SEARCH_FLAGS)" "--cross-flags=$(CROSS_FLAGS)" \
    --dictionaries $(DICT_DIR)

eval: all
	@$(EVAL)

eval-baseline: all
	@$(EVAL) --write-baseline

# Regenerates the compound word lists from ../shared/bench-corpus (only
# word statistics are kept; see tools/gen_compound.c).
compound-data: $(B)/libzoek.a
	$(CC) $(ALL_CFLAGS) -o $(B)/gen_compound tools/gen_compound.c \
	    $(B)/libzoek.a $(LIBS)
	$(B)/gen_compound 5 30000 ../shared/bench-corpus/de.jsonl.gz \
	    ../shared/bench-corpus/nl.jsonl.gz > indexer/compound_data.inc

# ---------------------------------------------------------------- install
# make install PREFIX=/usr/local DESTDIR= BINDIR= LIBDIR= INCLUDEDIR= MANDIR=
MAN1 := man/zoek-index.1 man/zoek-search.1
MAN3 := man/zoek.3
# zoek.pc names its directories relative to ${prefix} when they are below it
PC_SUBST = -e 's|@PREFIX@|$(PREFIX)|' \
           -e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|' \
           -e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|' \
           -e 's|@VERSION@|$(VERSION)|'

install: all
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(LIBDIR)' \
	    '$(DESTDIR)$(PKGCONFIGDIR)' '$(DESTDIR)$(INCLUDEDIR)' \
	    '$(DESTDIR)$(MANDIR)/man1' '$(DESTDIR)$(MANDIR)/man3'
	install -m 755 $(B)/zoek-index $(B)/zoek-search '$(DESTDIR)$(BINDIR)'
	install -m 644 $(B)/libzoek.a '$(DESTDIR)$(LIBDIR)'
	install -m 755 $(B)/libzoek.so.$(VERSION) '$(DESTDIR)$(LIBDIR)'
	ln -sf libzoek.so.$(VERSION) '$(DESTDIR)$(LIBDIR)/libzoek.so.$(SOVERSION)'
	ln -sf libzoek.so.$(SOVERSION) '$(DESTDIR)$(LIBDIR)/libzoek.so'
	install -m 644 include/zoek.h '$(DESTDIR)$(INCLUDEDIR)'
	sed $(PC_SUBST) zoek.pc.in >'$(DESTDIR)$(PKGCONFIGDIR)/zoek.pc'
	chmod 644 '$(DESTDIR)$(PKGCONFIGDIR)/zoek.pc'
	install -m 644 $(MAN1) '$(DESTDIR)$(MANDIR)/man1'
	install -m 644 $(MAN3) '$(DESTDIR)$(MANDIR)/man3'

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/zoek-index' '$(DESTDIR)$(BINDIR)/zoek-search' \
	    '$(DESTDIR)$(LIBDIR)/libzoek.a' \
	    '$(DESTDIR)$(LIBDIR)/libzoek.so.$(VERSION)' \
	    '$(DESTDIR)$(LIBDIR)/libzoek.so.$(SOVERSION)' \
	    '$(DESTDIR)$(LIBDIR)/libzoek.so' \
	    '$(DESTDIR)$(INCLUDEDIR)/zoek.h' '$(DESTDIR)$(PKGCONFIGDIR)/zoek.pc' \
	    $(MAN1:man/%='$(DESTDIR)$(MANDIR)/man1/%') \
	    $(MAN3:man/%='$(DESTDIR)$(MANDIR)/man3/%')

# The manual pages as text (build/man/*.txt); groff warnings fail the build.
man: $(MAN1:man/%=$(B)/man/%.txt) $(MAN3:man/%=$(B)/man/%.txt)

$(B)/man/%.txt: man/%
	@mkdir -p $(dir $@)
	groff -man -Tutf8 -ww -z $< 2>&1 | { ! grep .; }
	groff -man -Tutf8 -rLL=78n -P-cbou $< >$@

# Benchmark tools (not part of the library): bench/README.md.
$(B)/bench/%: bench/%.c $(B)/libzoek.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libzoek.a $(LIBS) $(LDLIBS)

BENCH_BIN := $(B)/bench/zoek_bench $(B)/bench/analyze_only

bench: all $(BENCH_BIN)
	@B=$(B) bash bench/run.sh

bench-scale: all $(BENCH_BIN)
	@B=$(B) bash bench/scale.sh

clean:
	rm -rf build

.PHONY: all test asan valgrind lint fuzz fuzz-run demo eval eval-baseline \
        clean compound-data install uninstall man bench bench-scale
