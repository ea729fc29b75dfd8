#!/bin/sh
# Pod info as JSON, for the launcher to run over SSH: `telepresence-podinfo`.
exec /opt/telepresence/bin/node /opt/telepresence/app/src/main.js podinfo
