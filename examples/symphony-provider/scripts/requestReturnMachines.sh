#!/bin/sh
# Symphony runs: requestReturnMachines.sh -f <input.json>   (one JSON document on stdout; logs in $HF_PROVIDER_LOGDIR)
# node options: V8 checks the code cache it is given; a young generation that fits one call (docs/hostfactory.md, "Starting fast").
exec node --verify-snapshot-checksum --min-semi-space-size=4 "$(dirname "$0")/../.build/provider.cjs" requestReturnMachines "$@"
