#!/bin/sh
# Not a Symphony script: the operator's check of the templates file (docs/templates.md). Run it with the
# product's variables; it prints every effective template and where each value came from, and writes nothing.
# node options: V8 checks the code cache it is given; a young generation that fits one call (docs/hostfactory.md, "Starting fast").
exec node --verify-snapshot-checksum --min-semi-space-size=4 "$(dirname "$0")/../.build/provider.cjs" validateTemplates
