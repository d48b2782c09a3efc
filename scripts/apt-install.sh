# Sourced by the install scripts: apt_install_missing installs the Debian packages named in its
# arguments, as root or with passwordless sudo; otherwise it prints the apt-get line to run and fails.
# The caller defines log() and passes only packages it found missing.
apt_install_missing() {
  [ "$#" -gt 0 ] || return 0
  local sudo
  if [ "$(id -u)" = 0 ]; then sudo=""
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"
  else
    log "missing Debian packages: $*; install them as root: apt-get install -y $*"
    return 1
  fi
  log "apt-get install $* (a minute or two, once)"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
