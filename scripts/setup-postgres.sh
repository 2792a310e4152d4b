#!/usr/bin/env bash
# Installs what pgvector-migrate's local rehearsal and tests need: PostgreSQL server
# binaries and the pgvector extension. Idempotent: a no-op when both are present.
# Order for pgvector: the distribution's package, then a build of Debian's source package.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
log() { printf 'setup-postgres: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="__none__"; fi
fi
as_root() {
  if [ "$SUDO" = "__none__" ]; then
    log "need root to run: $*  (re-run as root or install sudo)"; exit 1
  fi
  $SUDO "$@"
}

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq >&2; APT_UPDATED=1; fi
}
apt_install() {
  apt_update_once
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

pg_bindir() {
  local d="/usr/lib/postgresql/${PG_MAJOR}/bin"
  if [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  return 1
}

if ! pg_bindir >/dev/null; then
  command -v apt-get >/dev/null || { log "PostgreSQL ${PG_MAJOR} missing and no apt-get: install it by hand"; exit 1; }
  log "installing PostgreSQL ${PG_MAJOR} server binaries"
  apt_install "postgresql-${PG_MAJOR}" "postgresql-client-${PG_MAJOR}"
  # The package starts a system cluster we don't use; the tool runs its own throwaway ones.
  if command -v pg_ctlcluster >/dev/null; then as_root pg_ctlcluster "${PG_MAJOR}" main stop >/dev/null 2>&1 || true; fi
fi
BIN="$(pg_bindir)"
PG_CONFIG="$BIN/pg_config"
[ -x "$PG_CONFIG" ] || PG_CONFIG="$(command -v pg_config || true)"
SHAREDIR="$("$PG_CONFIG" --sharedir)"

if [ -f "$SHAREDIR/extension/vector.control" ]; then
  log "pgvector already installed ($(grep default_version "$SHAREDIR/extension/vector.control" | tr -d "' " ))"
  exit 0
fi

# 1) the distribution's package
apt_update_once
if apt-cache show "postgresql-${PG_MAJOR}-pgvector" >/dev/null 2>&1; then
  log "installing postgresql-${PG_MAJOR}-pgvector"
  apt_install "postgresql-${PG_MAJOR}-pgvector"
fi

# 2) build Debian's source package (trixie carries pgvector 0.8.x)
if [ ! -f "$SHAREDIR/extension/vector.control" ]; then
  log "no pgvector package for PostgreSQL ${PG_MAJOR}; building Debian's source package"
  apt_install "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev
  work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
  # Reuse the machine's own Debian mirror (never a hard-coded host).
  uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk '/^URIs:/ {print $2; exit}' "$f")"
    case "$uri" in *debian-security*|"") uri="";; *) break;; esac
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)"
  fi
  [ -n "$uri" ] || { log "could not find a Debian mirror in the apt sources"; exit 1; }
  mkdir -p "$work/lists/partial" "$work/src"
  cat > "$work/trixie-src.sources" <<SRC
Types: deb-src
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  APTOPTS=(-o "Dir::Etc::SourceList=$work/trixie-src.sources" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists")
  as_root apt-get "${APTOPTS[@]}" update -qq >&2
  ( cd "$work/src" && as_root apt-get "${APTOPTS[@]}" source --download-only pgvector >&2 )
  tarball="$(ls "$work"/src/pgvector_*.orig.tar.* | head -1)"
  mkdir -p "$work/build" && tar -xf "$tarball" -C "$work/build" --strip-components=1
  make -s -C "$work/build" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >&2
  as_root make -s -C "$work/build" PG_CONFIG="$PG_CONFIG" install >&2
fi

[ -f "$SHAREDIR/extension/vector.control" ] || { log "pgvector install failed"; exit 1; }
log "pgvector installed ($(grep default_version "$SHAREDIR/extension/vector.control" | tr -d "' "))"
