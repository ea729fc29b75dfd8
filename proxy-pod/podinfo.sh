#!/bin/sh
# Pod info as JSON, for the launcher to run over SSH: `telepresence-podinfo`.
TELEPRESENCE_STATE_DIR=/home/telepresence/.telepresence-pod exec /opt/telepresence/bin/node /opt/telepresence/app/proxy-pod/src/main.js podinfo
