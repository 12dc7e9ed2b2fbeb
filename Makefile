# Thalamus: build, test and run. `make help` lists the targets.
BUILD_DIR   ?= build
GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT      ?= $(shell git rev-parse HEAD 2>/dev/null)
GOLANGCI    ?= github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
# `version --long` of each binary names the version, the commit and the dependencies.
VERSION_LDFLAGS := -X github.com/cosmos/cosmos-sdk/version.Name=thalamus \
               -X github.com/cosmos/cosmos-sdk/version.Version=$(VERSION) \
               -X github.com/cosmos/cosmos-sdk/version.Commit=$(COMMIT)
ldflags = $(VERSION_LDFLAGS) -X github.com/cosmos/cosmos-sdk/version.AppName=$(1)
LDFLAGS     := $(call ldflags,thalamusd)
# On 2 cores linking dominates; two packages at a time keeps memory under ~3 GB.
TEST_FLAGS  ?= -p 2 -timeout 20m
FUZZTIME    ?= 60s
# go-nvml (thalamus-agent only) is cgo; silence its deprecation warnings from NVIDIA's header.
export CGO_CFLAGS ?= -O2 -g -Wno-deprecated-declarations

.PHONY: web test-web all build build-devnet release install test-upgrade test-runbook test test-all demo-image test-sim-short attack sim-market cuda gpu-check test-sim-long test-unit test-e2e test-race bench bench-node bench-capacity bench-growth chaos fuzz lint proto-tools proto-gen localnet testnet testnet-stop clean help

all: build

build: ## build thalamusd, thalamus-agent, thalamus-sidecar (and the devnet tool behind the scripts) into ./build
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BUILD_DIR)/thalamusd ./cmd/thalamusd
	$(GO) build -ldflags '$(call ldflags,thalamus-agent)' -o $(BUILD_DIR)/thalamus-agent ./cmd/thalamus-agent
	$(GO) build -ldflags '$(call ldflags,thalamus-sidecar)' -o $(BUILD_DIR)/thalamus-sidecar ./cmd/thalamus-sidecar
	$(GO) build -o $(BUILD_DIR)/devnet ./scripts/devnet

# Devnet builds add the fault injection that localnets and testnets use to show fraud being
# caught (thalamus-agent --cheat-fraction, thalamus-sidecar --wrong-results); release builds
# above never carry it.
DEVNET_DIR  ?= $(BUILD_DIR)/devnet-bin
DEVNET_TAG  := -X github.com/cosmos/cosmos-sdk/version.BuildTags=devnet
build-devnet: ## build the three binaries with the devnet build tag (fault injection) into ./build/devnet-bin
	$(GO) build -tags devnet -ldflags '$(call ldflags,thalamusd) $(DEVNET_TAG)' -o $(DEVNET_DIR)/thalamusd ./cmd/thalamusd
	$(GO) build -tags devnet -ldflags '$(call ldflags,thalamus-agent) $(DEVNET_TAG)' -o $(DEVNET_DIR)/thalamus-agent ./cmd/thalamus-agent
	$(GO) build -tags devnet -ldflags '$(call ldflags,thalamus-sidecar) $(DEVNET_TAG)' -o $(DEVNET_DIR)/thalamus-sidecar ./cmd/thalamus-sidecar
	CGO_ENABLED=0 $(GO) build -o $(DEVNET_DIR)/demo-workload ./scripts/demo-workload

release: ## build the three binaries reproducibly (-trimpath, no build id; thalamusd and the sidecar static) into build/release with SHA256SUMS: the same commit and Go version give the same sums anywhere
	./scripts/release.sh

install: ## install thalamusd into $(go env GOPATH)/bin
	$(GO) install -ldflags '$(LDFLAGS)' ./cmd/thalamusd

# The end-to-end packages each start a chain on the same loopback ports: one at a time.
E2E_FLAGS   ?= -tags e2e -count=1 -p 1 -timeout 15m
# Full-app simulations (app/sim_test.go): every module's operations on random genesis states.
SIM_TESTS   := 'TestFullAppSimulation|TestAppStateDeterminism|TestAppImportExport|TestAppSimulationAfterImport'
SIM_FLAGS   ?= -Enabled=true -BlockSize=50 -Commit=true

test: build build-devnet ## run every test, the short simulations, the end-to-end tests on a fresh localnet and a 4-validator testnet, then the web console in a browser (test-web), with a Docker engine (started, and installed, if missing) for the Docker runtime (CI runs exactly this)
	./scripts/with-docker.sh $(MAKE) --no-print-directory test-all

test-all: ## the tests of make test, with whatever engine is there (make test provides one)
	$(GO) test $(TEST_FLAGS) ./...
	$(MAKE) --no-print-directory test-sim-short
	$(GO) test $(E2E_FLAGS) ./tests/...
	$(MAKE) --no-print-directory test-web

test-sim-short: ## full-app simulation, determinism (3 runs a seed) and export/import for seeds 1, 7, 42 at 50 blocks (~2 min)
	$(GO) test -tags sims -count=1 -timeout 20m -run $(SIM_TESTS) ./app $(SIM_FLAGS) -NumBlocks=50

test-sim-long: ## the same at 500 blocks (long; not in CI)
	$(GO) test -tags sims -count=1 -timeout 3h -run $(SIM_TESTS) ./app $(SIM_FLAGS) -NumBlocks=500

test-e2e: build build-devnet ## only the end-to-end tests: a localnet driven through the CLI, then 4 validators with a sidecar each (port 26657 must be free)
	./scripts/with-docker.sh $(GO) test $(E2E_FLAGS) -v ./tests/...

demo-image: build build-devnet ## build the demo workload image thalamus-demo-workload:dev (FROM scratch, the static demo-workload) in the local Docker engine, for leases on the Docker runtime
	$(BUILD_DIR)/devnet demo-image

test-web: build build-devnet ## the TypeScript client and the web console: unit tests, web/dist equal to a fresh build, then Debian's Chromium (installed if missing) against a fresh localnet; screenshots in build/web-screenshots (~2 min)
	./scripts/test-web.sh

web: ## rebuild the web console into web/dist (committed) from web/ and clients/ts, with the committed npm lockfiles
	cd clients/ts && npm ci --no-audit --no-fund --loglevel=error
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build

test-upgrade: ## a software upgrade end to end: v1 (commit e6fa48c, before app/upgrades) and v2 (this tree) built, 4 validators with sidecars and agents on v1 under cosmovisor (tools/cosmovisor, pinned), a governance proposal for v2 passed, the halt at its height, the switch, the migrations, the chain and the sidecars going on, invariants on every node (~10 min, not in make test)
	$(GO) test -tags upgrade -count=1 -timeout 30m -v ./tests/upgrade

test-runbook: ## run every block of docs/validators.md as written: install from a clone (make release), a one-validator network by gentx, a state-sync join of a 4-validator testnet as a fifth validator with its sidecar, cosmovisor, an upgrade proposal and vote, check-invariants (needs root or sudo for apt-get; ~8 min, not in make test)
	$(GO) test -tags runbook -count=1 -timeout 30m -v ./tests/runbook

test-unit: ## run the tests that need no in-process network
	$(GO) test $(TEST_FLAGS) -short ./...

test-race: ## run every test under the race detector (slow: ~4 min on 2 cores)
	$(GO) test $(TEST_FLAGS) -race ./...

bench: ## every Go benchmark (lease matching with 1k/10k/100k offers takes ~2 min)
	$(GO) test -run '^$$' -bench . -benchmem ./app ./x/... ./pkg/... ./internal/...

bench-node: ## throughput of each message (block execution and a running node), state per reading, sidecar rates: writes docs/benchmarks.md (~14 min)
	./scripts/bench.sh

bench-capacity: ## per-task verification costs, 16- and 64-validator committee networks, gateway commit blocks and the capacity model of 4-150 validators: writes docs/capacity.md (~1 min)
	./scripts/bench-capacity.sh

bench-growth: ## every message against 1k-1M records of the state it touches: writes docs/state-growth.md (over an hour on 2 cores, ~5 GB)
	./scripts/bench-growth.sh

chaos: ## 4 validators, sidecars and agents under load while nodes are killed, stopped and restarted; verifies liveness, app hashes, every tx and the invariants (~6 min)
	./scripts/chaos.sh

attack: ## a fresh localnet attacked as a hostile account would: SSRF batch URIs, hanging gateways, replayed and expired tenant requests, over-limit manifests, forged readings, oversized bodies; prints attack | expected | observed (~5 min)
	./scripts/attack.sh

sim-market: ## the GPU market simulated on the real x/compute keeper: fixed, auto (thalamus-agent's controller) and omniscient prices on one moving demand curve; writes docs/market.md and its plots (~1 min)
	$(GO) test -tags simmarket -count=1 -run TestMarketSimulation -v ./scripts/simmarket -args -out $(CURDIR)/docs

fuzz: ## run every fuzz target for FUZZTIME each (default 60s)
	@for pkg in $$($(GO) list ./x/... ./pkg/... ./internal/...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

lint: ## golangci-lint, pinned, config in .golangci.yml
	$(GO) run $(GOLANGCI) run ./...

cuda: ## install Debian's CUDA 11.8 toolkit (~1 GB, contrib/non-free) and regenerate the proof-of-work kernels' PTX (committed; never needed to build)
	./scripts/cuda-toolkit.sh
	./scripts/cuda-gen.sh

gpu-check: ## build what the GPU machine needs into build/gpu-check and print how to run it there (scripts/gpu-check.sh)
	./scripts/gpu-check.sh build

proto-tools: ## install protoc (Debian) and the pinned Go protoc plugins
	@command -v protoc >/dev/null && [ -f /usr/include/google/protobuf/descriptor.proto ] || \
		{ apt-get update && apt-get install -y protobuf-compiler libprotobuf-dev; }
	$(GO) install github.com/cosmos/gogoproto/protoc-gen-gocosmos@v1.7.2
	$(GO) install github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway@v1.16.0

proto-gen: proto-tools ## regenerate all generated code from proto/: Go, and the TypeScript client's types (clients/ts/src/gen)
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" ./scripts/protocgen.sh
	./scripts/protocgen-ts.sh

localnet: ## one validator from config.yml in ~/.thalamus-localnet; Ctrl-C stops it (RUNTIME=docker: workloads in Docker)
	./scripts/localnet.sh $(if $(RUNTIME),-runtime $(RUNTIME))

testnet: ## 4 validators on loopback in the background (scripts/testnet.sh stop ends them)
	./scripts/testnet.sh 4

testnet-stop: ## stop the background testnet
	./scripts/testnet.sh stop

clean:
	rm -rf $(BUILD_DIR)

help:
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'
