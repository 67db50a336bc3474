#!/usr/bin/env bash
# Prints the CANN release of the installed toolkit (`toolkit`) or ATB (`atb`), e.g. 8.1.RC1, as the
# toolkit's set_env.sh environment locates them:
#   ATB:     $ATB_HOME_PATH/../../version.info           "Ascend-cann-atb : 8.1.RC1"
#   toolkit: $ASCEND_TOOLKIT_HOME/<arch>-linux/ascend_toolkit_install.info   "version=8.1.RC1",
#            else $ASCEND_TOOLKIT_HOME/version.cfg       "toolkit_running_version=[7.7.0.1.238:8.1.RC1]"
# Fails with one line naming the files it read when none tells.
set -euo pipefail
what=${1:?usage: cann-version.sh toolkit|atb}
case "$what" in
  atb)
    : "${ATB_HOME_PATH:?source /usr/local/Ascend/nnal/atb/set_env.sh --cxx_abi=1 first}"
    f="$ATB_HOME_PATH/../../version.info"
    v=$(sed -n 's/^[[:space:]]*Ascend-cann-atb[[:space:]]*:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$f" 2>/dev/null | head -1)
    files="$f"
    ;;
  toolkit)
    : "${ASCEND_TOOLKIT_HOME:?source /usr/local/Ascend/ascend-toolkit/set_env.sh first}"
    f="$ASCEND_TOOLKIT_HOME/$(uname -m)-linux/ascend_toolkit_install.info"
    g="$ASCEND_TOOLKIT_HOME/version.cfg"
    v=$(sed -n 's/^version=\([^[:space:]]*\).*/\1/p' "$f" 2>/dev/null | head -1)
    [ -n "$v" ] || v=$(sed -n 's/^toolkit_running_version=\[[^:]*:\([^]]*\)\].*/\1/p' "$g" 2>/dev/null | head -1)
    files="$f or $g"
    ;;
  *) echo "usage: cann-version.sh toolkit|atb" >&2; exit 2 ;;
esac
if [ -z "$v" ]; then
  echo "cann-version.sh: no CANN $what version in $files (set TRAMONTANE_CANN_VERSION=<release>, e.g. 8.1.RC1)" >&2
  exit 1
fi
printf '%s\n' "$v"
