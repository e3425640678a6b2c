#!/bin/sh
# Not a Symphony script: run it from cron when Symphony does not call getReturnRequests (which reconciles too).
# Prints the Reconcile run's counts as one JSON document; RECONCILE_LIMIT caps the requests looked at (unset or empty: 50).
# node options: V8 checks the code cache it is given; a young generation that fits one call (docs/hostfactory.md, "Starting fast").
exec node --verify-snapshot-checksum --min-semi-space-size=4 "$(dirname "$0")/../.build/provider.cjs" reconcile
