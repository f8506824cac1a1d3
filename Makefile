# fwhub build. `make` builds, `make check` installs what is missing and runs every test,
# `make run` starts the demo. SAN=1 builds with AddressSanitizer and UBSan under build/san.

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
BUILD ?= build
SANFLAGS :=
OPT := -O2 -g
endif

CC ?= cc
PKGS := jansson openssl sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# the server (fwhub binary only; libfwhub.a and its unit tests do not need h2o)
SERVER_PKGS := libh2o-evloop
SERVER_CFLAGS := -DH2O_USE_LIBUV=0 $(shell pkg-config --cflags $(SERVER_PKGS) 2>/dev/null)
SERVER_LIBS := $(shell pkg-config --libs $(SERVER_PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-truncation -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wvla -Wundef -Wwrite-strings \
        -Wimplicit-fallthrough -Wnull-dereference -Wdouble-promotion -Wno-format-nonliteral
CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS) -fstack-protector-strong \
          -D_FORTIFY_SOURCE=2 -Isrc $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(SANFLAGS) $(EXTRA_LDFLAGS)
LDLIBS := $(PKG_LIBS) -lpthread

LIB_SRC := $(wildcard src/core/*.c src/crypto/*.c src/store/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
SERVER_SRC := $(wildcard src/server/*.c)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libfwhub.a
FWHUB := $(BUILD)/fwhub

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check run bench clean format-check unit
all: $(FWHUB) $(UNIT_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $<
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^

$(SERVER_OBJ): CFLAGS += $(SERVER_CFLAGS)

$(FWHUB): $(CLI_OBJ) $(SERVER_OBJ) $(LIB)
	@printf '  LD      %s\n' $@
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(SERVER_OBJ) $(LIB) $(SERVER_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) -lcmocka

deps:
	@scripts/deps.sh

check: deps
	@$(MAKE) --no-print-directory all
	@FWHUB=$(FWHUB) BUILD=$(BUILD) SAN=$(SAN) tests/run.sh

run: deps
	@$(MAKE) --no-print-directory $(FWHUB)
	@FWHUB=$(FWHUB) scripts/demo.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(FWHUB) $(BUILD)/bench/catalog
	@BUILD=$(BUILD) FWHUB=$(FWHUB) bench/run.sh

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	@printf '  BENCH   %s\n' $@
	@$(CC) $(CFLAGS) $< -o $@ $(LDFLAGS) $(LIB) $(LDLIBS)

# libFuzzer targets: clang compiles the library sources again, with coverage and sanitizers,
# into build/fuzz/ (libfwhub.a is gcc's). `make fuzz SECONDS=N` runs each for N seconds.
SECONDS ?= 10
FUZZ_DIR := build/fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Isrc \
               -fsanitize=address,undefined -fno-sanitize-recover=all $(PKG_CFLAGS)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
.SECONDARY: $(FUZZ_OBJ)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@printf '  FUZZCC  %s\n' $<
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	@printf '  FUZZ    %s\n' $@
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJ) -o $@ $(PKG_LIBS) -lpthread

.PHONY: fuzz
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@FUZZ_SECONDS=$(SECONDS) tests/fuzz/run.sh $(FUZZ_BIN)

format-check:
	@clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(UNIT_BIN:=.d)
-include $(FUZZ_OBJ:.o=.d)
