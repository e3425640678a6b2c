#!/bin/sh
# Not a Symphony script: the operator's check of the templates file (docs/templates.md). Run it with the
# product's variables; it prints every effective template and where each value came from, and writes nothing.
exec node "$(dirname "$0")/../.build/provider.cjs" validateTemplates
