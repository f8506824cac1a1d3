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
PKGS := jansson openssl sqlite3 libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# the server (fwhub binary only; libfwhub.a and its unit tests need neither h2o nor libcurl,
# which delivers the server's webhooks)
SERVER_PKGS := libh2o-evloop libcurl
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
# the device library: portable C99, built without _GNU_SOURCE; fwhub-device adds libcurl
DEVICE_SRC := $(filter-out device/host_curl.c device/fwhub_device.c,$(wildcard device/*.c))
DEVICE_OBJ := $(DEVICE_SRC:%.c=$(BUILD)/%.o)
DEVICE_LIB := $(BUILD)/libfwdev.a
FWHUB_DEVICE := $(BUILD)/fwhub-device
DEVICE_CFLAGS := -std=c99 -pedantic $(OPT) $(WARN) $(SANFLAGS) -fstack-protector-strong \
                 -D_FORTIFY_SOURCE=2 -Idevice $(shell pkg-config --cflags libcurl openssl 2>/dev/null)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# test clients (the load client of the hostile-client tests and bench/hostile.sh)
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: all deps check run bench clean format-check unit valgrind
all: $(FWHUB) $(FWHUB_DEVICE) $(UNIT_BIN) $(TOOL_BIN)

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

$(BUILD)/device/%.o: device/%.c
	@mkdir -p $(dir $@)
	@printf '  CC      %s\n' $<
	@$(CC) $(DEVICE_CFLAGS) -MMD -MP -c $< -o $@

# fwhub-device is a POSIX program (fsync, rename); the library itself stays C99
$(BUILD)/device/fwhub_device.o: DEVICE_CFLAGS += -D_POSIX_C_SOURCE=200809L

$(DEVICE_LIB): $(DEVICE_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(FWHUB_DEVICE): $(BUILD)/device/fwhub_device.o $(BUILD)/device/host_curl.o $(DEVICE_LIB)
	@printf '  LD      %s\n' $@
	@$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs libcurl libcrypto 2>/dev/null)

$(BUILD)/tests/test_fwdev: tests/unit/test_fwdev.c $(DEVICE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -Idevice -MMD -MP $< -o $@ $(LDFLAGS) $(DEVICE_LIB) $(LIB) $(LDLIBS) -lcmocka

# a pure parser of the server, tested without h2o
$(BUILD)/tests/test_httpcond: tests/unit/test_httpcond.c $(BUILD)/src/server/httpcond.o
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< $(BUILD)/src/server/httpcond.o -o $@ $(LDFLAGS) -lcmocka

# the webhook configuration reader of the server, tested without h2o and libcurl
$(BUILD)/tests/test_whconfig: tests/unit/test_whconfig.c $(BUILD)/src/server/whconfig.o $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< $(BUILD)/src/server/whconfig.o -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) -lcmocka
# the portal's rate limiter, pure and tested without h2o
$(BUILD)/tests/test_ratelimit: tests/unit/test_ratelimit.c $(BUILD)/src/server/ratelimit.o
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< $(BUILD)/src/server/ratelimit.o -o $@ $(LDFLAGS) -lpthread -lcmocka
# the multipart/form-data parser of the admin uploads, tested without h2o
$(BUILD)/tests/test_multipart: tests/unit/test_multipart.c $(BUILD)/src/server/multipart.o $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< $(BUILD)/src/server/multipart.o -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) -lcmocka
# the answer buffer of the server
$(BUILD)/tests/test_jbuf: tests/unit/test_jbuf.c $(BUILD)/src/server/jbuf.o $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< $(BUILD)/src/server/jbuf.o -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) -lcmocka
# the client address behind trusted proxies, pure
$(BUILD)/tests/test_proxy: tests/unit/test_proxy.c $(BUILD)/src/server/proxy.o $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< $(BUILD)/src/server/proxy.o -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) -lcmocka
# the device API's request parsers, tested without h2o
$(BUILD)/tests/test_devreq: tests/unit/test_devreq.c $(BUILD)/src/server/devreq.o $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< $(BUILD)/src/server/devreq.o -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) \
	    -lcmocka

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@printf '  TEST    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< -o $@ $(LDFLAGS) $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	@printf '  TOOL    %s\n' $@
	@$(CC) $(CFLAGS) -MMD -MP $< -o $@ $(LDFLAGS)

deps:
	@scripts/deps.sh

# the fault-injection shim of tests/integration/test_faults.sh: never sanitized, since it is
# preloaded into the binary under test (after libasan under SAN=1)
FAULT_SO := build/fault.so

$(FAULT_SO): tests/fault/fault.c
	@mkdir -p $(dir $@)
	@printf '  SHIM    %s\n' $@
	@$(CC) -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -fPIC -shared $< -o $@ -ldl

check: deps
	@$(MAKE) --no-print-directory all $(FAULT_SO)
	@FWHUB=$(FWHUB) BUILD=$(BUILD) SAN=$(SAN) FAULT_SO=$(FAULT_SO) tests/run.sh

run: deps
	@$(MAKE) --no-print-directory $(FWHUB)
	@FWHUB=$(FWHUB) scripts/demo.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory $(FWHUB) $(BUILD)/bench/catalog $(BUILD)/bench/store \
		$(BUILD)/bench/signed $(BUILD)/bench/verify
	@BUILD=$(BUILD) FWHUB=$(FWHUB) bench/run.sh

# sign/verify costs and the device library's image check: build/bench/verify [FILE...]
$(BUILD)/bench/verify: bench/verify.c $(DEVICE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@printf '  BENCH   %s\n' $@
	@$(CC) $(CFLAGS) -Idevice $< -o $@ $(LDFLAGS) $(DEVICE_LIB) $(LIB) $(LDLIBS)

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
# the server's pure parsers (no h2o) and the device library (C99) are fuzzed too
FUZZ_SERVER_SRC := src/server/devreq.c src/server/httpcond.c src/server/token.c src/server/srvlog.c \
                   src/server/multipart.c src/server/proxy.c
FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_SERVER_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_DEVICE_OBJ := $(DEVICE_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
.SECONDARY: $(FUZZ_OBJ) $(FUZZ_DEVICE_OBJ)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@printf '  FUZZCC  %s\n' $<
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_DIR)/obj/device/%.o: device/%.c
	@mkdir -p $(dir $@)
	@printf '  FUZZCC  %s\n' $<
	@clang $(FUZZ_CFLAGS) -std=c99 -U_GNU_SOURCE -Idevice -fsanitize=fuzzer-no-link -MMD -MP \
	    -c $< -o $@

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJ) $(FUZZ_DEVICE_OBJ)
	@printf '  FUZZ    %s\n' $@
	@clang $(FUZZ_CFLAGS) -Idevice -fsanitize=fuzzer $< $(FUZZ_OBJ) $(FUZZ_DEVICE_OBJ) -o $@ \
	    $(PKG_LIBS) -lpthread

# The same targets without libFuzzer, with the project's compiler and flags (and SAN=1's
# sanitizers): tests/fuzz/replay.c feeds them every file of their corpus, so that make
# check replays each corpus, crashes found once included (tests/integration/test_fuzz_corpus.sh).
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz-replay/%)
REPLAY_SERVER_OBJ := $(FUZZ_SERVER_SRC:%.c=$(BUILD)/%.o)
all: $(REPLAY_BIN)

$(BUILD)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h \
		$(REPLAY_SERVER_OBJ) $(DEVICE_LIB) $(LIB)
	@mkdir -p $(dir $@)
	@printf '  REPLAY  %s\n' $@
	@$(CC) $(CFLAGS) -Wno-missing-prototypes -Idevice $< tests/fuzz/replay.c -o $@ $(LDFLAGS) \
	    $(REPLAY_SERVER_OBJ) $(DEVICE_LIB) $(LIB) $(shell pkg-config --libs libcrypto) $(LDLIBS)

.PHONY: fuzz
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) -s --no-print-directory $(FUZZ_BIN)
	@FUZZ_SECONDS=$(SECONDS) tests/fuzz/run.sh $(FUZZ_BIN)

# the integration suite with every fwhub process under valgrind (tests/valgrind/run.sh);
# reports in build/valgrind/logs/
.PHONY: valgrind
valgrind: deps
	@$(MAKE) --no-print-directory SAN=0 BUILD=build all $(FAULT_SO)
	@BUILD=build FAULT_SO=$(FAULT_SO) tests/valgrind/run.sh

format-check:
	@clang-format --dry-run --Werror $(shell git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(DEVICE_OBJ:.o=.d) $(BUILD)/device/fwhub_device.d $(BUILD)/device/host_curl.d
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(UNIT_BIN:=.d) $(TOOL_BIN:=.d)
-include $(FUZZ_OBJ:.o=.d) $(FUZZ_DEVICE_OBJ:.o=.d)
