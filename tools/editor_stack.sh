#!/usr/bin/env bash
# The pieces the editor end-to-end test drives, installed once per machine outside the repo:
# Node.js 24 (code-server's engine), code-server, playwright-core, and Debian's chromium.
#
#   tools/editor_stack.sh            # install what is missing, then print KEY=VALUE lines
#
# The cache is keyed by version ($DCODE_EDITOR_CACHE, default ~/.cache/dcode-editor), so a
# second run costs seconds. code-server builds native modules at install (about 9 minutes
# and 620 MB on 2 cores), which need libkrb5-dev; npm's own install-script approval is given
# to code-server's dependency tree only, inside its own cache folder.
set -euo pipefail

NODE_VERSION=24
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
CACHE="${DCODE_EDITOR_CACHE:-$HOME/.cache/dcode-editor}"
mkdir -p "$CACHE"
say() { echo "editor stack: $*" >&2; }

apt_install() {  # apt_install PACKAGE TEST-COMMAND
  if ! eval "$2" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian's $1"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"; } >&2
    else
      say "$1 is missing: install it with your package manager (e.g. sudo apt-get install $1)"
      exit 1
    fi
  fi
}

npm_install() {  # npm_install FOLDER SPEC...: a private package folder, its install scripts allowed
  local folder="$1"; shift
  if [ ! -f "$folder/.done" ]; then
    say "installing $* into $folder"
    rm -rf "$folder" && mkdir -p "$folder"
    echo '{"private": true}' > "$folder/package.json"
    if ! (cd "$folder" && npm install --no-audit --no-fund --loglevel=error "$@" >&2 \
          && npm install-scripts approve --all >&2 && npm rebuild --loglevel=error >&2); then
      say "installing $* failed (the output above says why)"
      exit 1
    fi
    touch "$folder/.done"
  fi
}

apt_install chromium "command -v chromium"
apt_install libkrb5-dev "test -e /usr/include/krb5.h -o -e /usr/include/krb5/krb5.h"

npm_install "$CACHE/node-$NODE_VERSION" "node@$NODE_VERSION"
NODE_BIN="$CACHE/node-$NODE_VERSION/node_modules/node/bin"
"$NODE_BIN/node" --version >/dev/null || { say "node $NODE_VERSION does not run"; rm -f "$CACHE/node-$NODE_VERSION/.done"; exit 1; }

export PATH="$NODE_BIN:$PATH"  # code-server's install and run need Node 24 first
npm_install "$CACHE/code-server-$CODE_SERVER_VERSION" "code-server@$CODE_SERVER_VERSION"
CODE_SERVER="$CACHE/code-server-$CODE_SERVER_VERSION/node_modules/.bin/code-server"
if ! "$CODE_SERVER" --version >/dev/null 2>&1; then
  say "code-server $CODE_SERVER_VERSION does not run; removing it so the next run installs it again"
  rm -f "$CACHE/code-server-$CODE_SERVER_VERSION/.done"
  exit 1
fi

npm_install "$CACHE/playwright-core-$PLAYWRIGHT_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"

echo "NODE_BIN=$NODE_BIN"
echo "CODE_SERVER=$CODE_SERVER"
echo "PLAYWRIGHT_CORE=$CACHE/playwright-core-$PLAYWRIGHT_VERSION/node_modules/playwright-core"
echo "CHROMIUM=$(command -v chromium)"
