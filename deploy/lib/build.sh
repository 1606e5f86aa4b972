# shellcheck shell=bash
# Configure and build with CMake + Ninja (+ ccache when installed, which the build picks up).

# stratus_build [BUILD_DIR]: configure once, then build. STRATUS_JOBS sets the parallelism (2),
# STRATUS_CMAKE_ARGS adds cmake options (e.g. -DSTRATUS_SKIP=...).
stratus_build() {
  local dir=${1:-$STRATUS_BUILD}
  if ! mkdir -p "$CCACHE_DIR" 2>/dev/null || [[ ! -w $CCACHE_DIR ]]; then
    export CCACHE_DIR=$STRATUS_ROOT/.cache/ccache  # not root: a cache in the clone (.gitignored)
  fi
  # Cache hits across clones (CI builds a fresh clone each time): paths relative to the clone,
  # and the build directory left out of the hash.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$STRATUS_ROOT}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
  if [[ ! -f $dir/build.ninja || -n ${STRATUS_CMAKE_ARGS:-} ]]; then
    # shellcheck disable=SC2086  # STRATUS_CMAKE_ARGS is a list of words on purpose
    cmake -S "$STRATUS_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${STRATUS_CMAKE_ARGS:-}
  fi
  ninja -C "$dir" -j "${STRATUS_JOBS:-2}"
}
