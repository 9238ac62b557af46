# Build entry point for `sam build` (template.yaml: PreviewFunction has `Metadata: BuildMethod: makefile`).
#
# SAM runs `make build-PreviewFunction` in a scratch copy of CodeUri (the repository root, minus .git and
# .aws-sam) — or in place with `sam build --build-in-source` — and exports only ARTIFACTS_DIR: the
# directory whose contents become the function's code.
#
# Architecture: SAM tells a makefile build nothing about the function's `Architectures`
# (aws/aws-sam-cli#3349), and `uname -m` describes the build host, not the Lambda. sharp's native
# binaries must match the *target* CPU, so the target is an explicit make variable that defaults to the
# template's default (arm64) and must be overridden together with the template parameter:
#
#   sam build                                                        # arm64 (both defaults)
#   LAMBDA_ARCH=x86_64 sam build --parameter-overrides Architecture=x86_64
#   sam deploy ... --parameter-overrides Architecture=x86_64 ...     # same value again
#
# A mismatch deploys fine and then fails at cold start ("Could not load the sharp module").
LAMBDA_ARCH ?= arm64

.PHONY: build-PreviewFunction
build-PreviewFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: this target is run by 'sam build'; use 'npm run package' directly otherwise" >&2; exit 2; }
	@test -d node_modules || npm ci --no-audit --no-fund
	npm run package -- --arch "$(LAMBDA_ARCH)" --out "$(ARTIFACTS_DIR)"
