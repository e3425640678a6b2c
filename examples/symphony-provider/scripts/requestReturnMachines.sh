#!/bin/sh
# Symphony runs: requestReturnMachines.sh -f <input.json>   (one JSON document on stdout; logs in $HF_PROVIDER_LOGDIR)
exec node "$(dirname "$0")/../.build/provider.cjs" requestReturnMachines "$@"
