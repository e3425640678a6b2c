#!/bin/sh
# Not a Symphony script: run it from cron when Symphony does not call getReturnRequests (which reconciles too).
# Prints the Reconcile run's counts as one JSON document; RECONCILE_LIMIT caps the requests looked at (unset or empty: 50).
exec node "$(dirname "$0")/../.build/provider.cjs" reconcile
