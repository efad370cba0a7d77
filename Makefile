# situ — top-level entry points. `make demo` and `make test` do all set-up.
SHELL := /bin/bash
ROOT  := $(abspath .)
VENV  := $(ROOT)/.venv
PY    := $(VENV)/bin/python
JOBS  ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export PATH := $(ROOT)/$(BUILD)/bin:$(VENV)/bin:$(PATH)

.PHONY: setup build asan test test-c test-py test-asan demo demo-vlasov bench clean

setup:
	@bash scripts/setup

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
	  -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm -DPython3_EXECUTABLE=$(PY)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Sanitized build of the C code only (the C++ dialect links LLVM, which is not
# built with ASan).
$(ASAN_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSITU_SANITIZE=ON \
	  -DSITU_BUILD_DIALECT=OFF -DPython3_EXECUTABLE=$(PY)

asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-c: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: asan
	ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(ROOT)/tests/c/lsan.supp:fast_unwind_on_malloc=0:print_suppressions=0 \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -L c -j $(JOBS)

test-py: build
	SITU_BUILD=$(ROOT)/$(BUILD) $(PY) -m pytest -q tests/python

test: test-c test-asan test-py

# `make demo` runs heat2d; `make demo APP=vlasov` the Gysela-style proxy (fluid moments
# of f(x, y, v, mu) computed inside the ranks, aggregated live by Dask).
APP ?= heat2d
DEMO_heat2d = $(VENV)/bin/situ run -n 4 --workers 2 --config apps/heat2d/situ.yml apps/heat2d/analytics.py -- \
	  $(BUILD)/bin/heat2d --nx 128 --ny 128 --steps 2000
DEMO_vlasov = $(VENV)/bin/situ run -n 4 --workers 2 apps/vlasov/analytics.py --every 5 -- \
	  $(BUILD)/bin/vlasov --nx 32 --ny 32 --nv 24 --nmu 6 --steps 40

demo: build
	@test -n "$(DEMO_$(APP))" || { echo "demo: APP must be heat2d or vlasov, not '$(APP)'"; exit 2; }
	mkdir -p out
	$(DEMO_$(APP))
	@echo "demo: wrote out/$(APP).png and out/$(APP).json"

demo-vlasov:
	$(MAKE) demo APP=vlasov

bench: build
	$(PY) bench/insitu/run.py

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) out
