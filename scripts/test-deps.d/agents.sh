#!/usr/bin/env bash
# The real agent CLIs the agent tests drive (test/agents/real-agents.ts): Claude Code and Codex at
# the versions the presets were read from (src/agents/presets.ts TESTED_VERSIONS), installed with
# npm into a cache outside the repository. Quiet when they are there already.
set -euo pipefail
CLAUDE=@anthropic-ai/claude-code@2.1.328
CODEX=@openai/codex@0.169.0
dir="${XDG_CACHE_HOME:-$HOME/.cache}/tmux-orc/agents"
have() { # package version
  local v
  v=$(node -p "require('$dir/node_modules/$1/package.json').version" 2>/dev/null) && [ "$v" = "$2" ]
}
if have @anthropic-ai/claude-code 2.1.328 && have @openai/codex 0.169.0 \
  && [ -x "$dir/node_modules/.bin/claude" ] && [ -x "$dir/node_modules/.bin/codex" ]; then
  exit 0
fi
mkdir -p "$dir"
log="$dir/install.log"
if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$CLAUDE" "$CODEX" >"$log" 2>&1; then
  echo "test-deps: agents: npm install of $CLAUDE $CODEX into $dir failed (see $log)" >&2
  exit 1
fi
echo "test-deps: agents: installed $CLAUDE $CODEX into $dir"
