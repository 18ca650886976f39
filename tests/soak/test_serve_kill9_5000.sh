#!/usr/bin/env bash
# The kill -9 test with 5,000 callbacks (make soak).
CRASH_CALLBACKS=5000 exec bash "$(dirname "$0")/../crash/test_serve_kill9.sh"
