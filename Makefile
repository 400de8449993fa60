# Thin wrapper around CMake: `make demo` and `make check` are the two commands.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)

FUZZ_SECONDS ?= 600

.PHONY: all deps configure build demo check check-asan fuzz bench clean

all: build

deps:
	bash scripts/deps.sh $(BUILD)

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory check-asan

# Unit and script tests again under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang-19, which also builds the libFuzzer targets that run for a bounded time).
check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang-19 -DCMAKE_BUILD_TYPE=Debug \
	  -DDLCC_SANITIZE=ON -DDLCC_FUZZ=ON -DDLCC_FUZZ_SECONDS=25 \
	  -DDLCC_PYTHON=$(abspath $(BUILD))/venv/bin/python >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# Every fuzz target for FUZZ_SECONDS each (default 600), in the ASan+UBSan build; crashes are
# written to $(ASAN_BUILD)/tests/fuzz/ and the corpora grow in $(ASAN_BUILD)/tests/fuzz/corpus/.
fuzz: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang-19 -DCMAKE_BUILD_TYPE=Debug \
	  -DDLCC_SANITIZE=ON -DDLCC_FUZZ=ON -DDLCC_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  -DDLCC_PYTHON=$(abspath $(BUILD))/venv/bin/python >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L fuzz

# Side by side with onnxruntime: host speed on the ResNet-18-shaped model and ResNet-50, compile
# time, launches, modeled DRAM traffic and the memory plan (bench/README.md).
bench: build
	$(BUILD)/venv/bin/python tests/models/generate_all.py $(BUILD)/models >/dev/null
	$(BUILD)/venv/bin/python bench/host_vs_onnxruntime.py $(BUILD)/tools/dlcc/dlcc \
	  $(BUILD)/models/resnet18.onnx --repeat 5
	$(BUILD)/venv/bin/python bench/host_vs_onnxruntime.py $(BUILD)/tools/dlcc/dlcc \
	  $(BUILD)/models/torchvision_resnet50.onnx --repeat 5
	$(BUILD)/venv/bin/python bench/compile_time.py $(BUILD)/tools/dlcc/dlcc $(BUILD)/models
	$(BUILD)/venv/bin/python bench/launches.py $(BUILD)/tools/dlcc/dlcc $(BUILD)/models
	$(BUILD)/venv/bin/python bench/memory_plan.py $(BUILD)/tools/dlcc/dlcc $(BUILD)/models
	$(BUILD)/venv/bin/python bench/train_step.py $(BUILD)/tools/dlcc/dlcc --repeat 3

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
