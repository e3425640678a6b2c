#!/bin/sh
# Symphony runs: getAvailableTemplates.sh -f <input.json>   (one JSON document on stdout; logs in $HF_PROVIDER_LOGDIR)
exec node "$(dirname "$0")/../.build/provider.cjs" getAvailableTemplates "$@"
