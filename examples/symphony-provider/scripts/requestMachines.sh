#!/bin/sh
# Symphony runs: requestMachines.sh -f <input.json>   (one JSON document on stdout; logs in $HF_PROVIDER_LOGDIR)
exec node "$(dirname "$0")/../.build/provider.cjs" requestMachines "$@"
