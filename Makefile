# The entry points of the README. Everything else is CMake.
#   make demo   install dependencies if missing, build, run the main job: a two-path
#               transfer in each CMT mode in the simulator (TESTBED=1: on the
#               network-namespace testbed instead; PRELOAD=1: unmodified iperf3 --sctp
#               over the preload library on that testbed, kernel TCP and MPTCP beside;
#               both need root)
#   make check  install dependencies if missing, build normally and with ASan+UBSan,
#               run the whole test suite with ctest in both builds
#   make install PREFIX=/some/prefix   build, then install libmpsctp (shared and static),
#               the headers, mpsctp-perf, mpsctp-sim, man pages, mpsctp.pc and the CMake
#               package under PREFIX (default /usr/local; DESTDIR is honoured)
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
TESTBED    ?= 0
PRELOAD    ?= 0
PREFIX     ?= /usr/local

.PHONY: all deps build build-asan demo experiments check test test-asan fuzz install clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	cmake -S . -B $(BUILD_ASAN) $(CMAKE_FLAGS) -DMPSCTP_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j$(JOBS)

demo: build
	BUILD=$(BUILD) TESTBED=$(TESTBED) PRELOAD=$(PRELOAD) scripts/demo.sh

# The CMT experiments E1-E6 (docs/results/README.md) over several seeds: docs/results/
# (a few minutes).
experiments: build
	BUILD=$(BUILD) REBUILD=0 scripts/experiments.sh

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure

test-asan: build-asan
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest -j$(JOBS) --output-on-failure

check: test test-asan

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

fuzz: deps
	scripts/fuzz.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-fuzz
