# Shared by scripts/run, scripts/test and scripts/bench: installs what Lumen needs
# from Debian when it is missing (we run as root on a fresh machine), and knows
# the QEMU command line for "every device Lumen supports".

lumen_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages the host needs: QEMU (with its GTK window, qemu-system-gui),
# the disk tools, fonts, FreeType for the host build, and the tools the tests use
# (xvfb: a GTK window for the display tests on a machine without a screen;
# libvterm-dev and libtsm-dev: the peers of the terminal tests and benchmark).
lumen_host_packages=(qemu-system-arm qemu-system-gui qemu-utils mtools dosfstools fonts-dejavu-core libfreetype-dev
  pkg-config python3 ca-certificates libvterm-dev libtsm-dev vttest xvfb)

lumen_install_packages() {
  local missing=()
  for pkg in "${lumen_host_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "lumen: installing ${missing[*]}" >&2
    if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then export PATH="/opt/swift/usr/bin:$PATH"
    else echo "lumen: Swift 6.x is required (swift not on PATH, /opt/swift missing)" >&2; exit 1; fi
  fi
}

# Creates a 64 MiB FAT32 disk image with a README on it, unless it exists.
lumen_make_disk() {
  local image="$1"
  [[ -f "$image" ]] && return 0
  mkdir -p "$(dirname "$image")"
  truncate -s 64M "$image"
  mkfs.fat -F 32 -n LUMEN "$image" >/dev/null
  printf 'Hello from the host. This disk was made by scripts/run.\n' > "$image.readme"
  MTOOLS_SKIP_CHECK=1 mcopy -i "$image" "$image.readme" ::README.TXT
  rm -f "$image.readme"
}

# For the scripts that compile sources straight with swiftc (fuzzers, host
# micro-benchmarks): builds the portable module $2 (Sources/$2) as a static
# library under $1/$2 with the swiftc flags given after $3, unless it is up to
# date, and appends to the array named by $3 the flags that import and link it.
lumen_module_dependency() {
  local work="$1" module="$2" out="$1/$2" files stamp
  local -n extra_flags="$3"
  shift 3
  mkdir -p "$out"
  mapfile -t files < <(find "$lumen_root/Sources/$module" -name '*.swift' | LC_ALL=C sort)
  stamp="$( (swiftc --version 2>&1; echo "$*"; cat "${files[@]}") | sha256sum | cut -d' ' -f1)"
  if [[ ! -f "$out/lib$module.a" || "$(cat "$out/stamp" 2>/dev/null)" != "$stamp" ]]; then
    swiftc "$@" -parse-as-library -module-name "$module" -emit-library -static \
      -emit-module -emit-module-path "$out/$module.swiftmodule" -o "$out/lib$module.a" "${files[@]}" >&2 || return 1
    echo "$stamp" >"$out/stamp"
  fi
  extra_flags+=(-I "$out" -L "$out" "-l$module")
}

# The verdict of a libFuzzer run, shared by the fuzz scripts:
#   lumen_fuzz_verdict NAME STATUS LOG CORPUS SECONDS REPORT_PATTERN
# STATUS is the fuzzer's exit status; REPORT_PATTERN picks the lines of LOG
# that explain a failure. A run whose count of executed inputs cannot be read,
# or is zero, fails too: it fuzzed nothing, whatever its exit status says.
lumen_fuzz_verdict() {
  local name="$1" status="$2" log="$3" corpus="$4" seconds="$5" pattern="$6" runs
  runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n 1 || true)"
  if ((status != 0)); then
    grep -E "$pattern|Fatal error|SUMMARY|deadly signal|Test unit written|timeout" "$log" | head -20 >&2 || true
    tail -n 40 "$log" >&2
    echo "$name: FAILED after ${runs:-?} runs (exit $status); log $log" >&2
    return 1
  fi
  if [[ -z "$runs" || "$runs" == 0 ]]; then
    tail -n 20 "$log" >&2
    echo "$name: FAILED: no count of executed inputs in the log (the fuzzer ran nothing); log $log" >&2
    return 1
  fi
  echo "$name: no crash, hang or broken invariant in $runs runs (${seconds} s; corpus $(ls "$corpus" | wc -l) inputs)"
}

# The counts of an XCTest log: "PASSED FAILED SKIPPED TOTAL", from the line
# XCTest prints as each test ends ("Test Case 'Suite.test' passed (0.1
# seconds)", or failed, or skipped), anywhere on a line (a test's own output
# may lack its newline). The summary's wording changes with skips ("with 1 test
# skipped and 0 failures") and a crash prints none, so it is only the check:
# TOTAL is the last "Executed N tests" (all suites), or - when there is none.
lumen_test_counts() {
  local log="$1" verb counts=() total
  for verb in passed failed skipped; do
    counts+=("$( (grep -oE "Test Case '[^']+' $verb \([0-9.]+ seconds\)" "$log" || true) | wc -l)")
  done
  total="$( (grep -oE "Executed [0-9]+ tests?" "$log" || true) | tail -n 1 | grep -oE "[0-9]+" || true)"
  echo "${counts[*]} ${total:--}"
}
