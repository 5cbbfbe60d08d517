# genoflow: `make demo` runs the default workflow on the bundled samples, `make test` runs the checks.
NODE_MODULES := node_modules/.package-lock.json
GENOFLOW := node dist/src/cli/main.js

.PHONY: demo build typecheck lint fmt test bench samples wasm clean

$(NODE_MODULES): package.json package-lock.json
	npm ci
	@touch $@

# npm's build script also makes the CLI executable, for `npx genoflow`.
build: $(NODE_MODULES)
	npm run --silent build

typecheck: $(NODE_MODULES)
	npx tsc --noEmit -p tsconfig.json

lint: $(NODE_MODULES)
	npx biome lint .

fmt: $(NODE_MODULES)
	npx biome check --write .

demo: build
	$(GENOFLOW) run workflows/promoter-classifier.yaml

# The WebAssembly kernels, from their .wat sources into the TypeScript modules that carry them.
wasm: $(NODE_MODULES)
	npx tsx scripts/wat-to-module.ts plugins/kmer/overlapping-kernel.wat

samples: build
	node dist/samples/generate.js

test: typecheck lint build
	npx vitest run --reporter=default --reporter=json --outputFile.json=test/out/vitest.json

bench: build
	node dist/bench/run-all.js

clean:
	rm -rf dist .genoflow results bench/out test/out
