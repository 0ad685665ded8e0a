#!/usr/bin/env bash
# Makes this machine ready to build and run DeepClustering. Idempotent: a second run changes nothing.
#  1. checks for the .NET 10 SDK;
#  2. makes sure a TrueType font exists for the CLI's plots;
#  3. TorchSharp 0.107's native library needs libstdc++ with GLIBCXX_3.4.32 (GCC 13+). Debian 12 ships
#     3.4.30, and TorchSharp then fails with a misleading "doesn't contain a reference to
#     libtorch-cpu-linux-x64" message. On Debian we add the Debian 13 (trixie) suite from this machine's
#     own mirror with a low apt pin (priority 100: nothing else is upgraded from it) and install only
#     libstdc++6 from it. Hosts that already have the symbol are left alone.
set -euo pipefail

say() { printf 'setup: %s\n' "$*" >&2; }

# ---- 1. .NET SDK -------------------------------------------------------------------------------
if ! command -v dotnet >/dev/null 2>&1; then
  say "the .NET SDK was not found on PATH. Install the .NET 10 SDK (https://dot.net) and run this again."
  exit 1
fi
if ! dotnet --list-sdks 2>/dev/null | grep -qE '^10\.'; then
  say "the .NET 10 SDK is required; found: $(dotnet --list-sdks 2>/dev/null | tr '\n' ' ')"
  say "install the .NET 10 SDK (https://dot.net) and run this again."
  exit 1
fi

# ---- 2. a TrueType font for the CLI's PNG plots (SkiaSharp's self-contained build reads /usr/share/fonts) --------
if [ "$(uname -s)" = "Linux" ] && ! find /usr/share/fonts -name '*.ttf' -print -quit 2>/dev/null | grep -q .; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    say "installing fonts-dejavu-core (plot labels)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null; }
  else
    say "no TrueType font under /usr/share/fonts: plots will have no text. Install fonts-dejavu-core (or any .ttf font)."
  fi
fi

# ---- 3. libstdc++ with GLIBCXX_3.4.32 --------------------------------------------------------------
[ "$(uname -s)" = "Linux" ] || exit 0   # macOS/Windows: TorchSharp's own native packages suffice

has_glibcxx() {
  local lib
  for lib in $(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 /{print $NF}') \
             /usr/lib/x86_64-linux-gnu/libstdc++.so.6 /usr/lib/aarch64-linux-gnu/libstdc++.so.6; do
    [ -r "$lib" ] && grep -qa 'GLIBCXX_3\.4\.32' "$lib" && return 0
  done
  return 1
}

if has_glibcxx; then exit 0; fi

if [ ! -r /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1; then
  say "TorchSharp needs libstdc++ with GLIBCXX_3.4.32 (GCC 13 or newer), which this system lacks."
  say "Install a newer libstdc++ (the package is usually libstdc++6 or libstdc++) and run this again."
  exit 1
fi

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo"; else
    say "libstdc++ lacks GLIBCXX_3.4.32 and installing it needs root; run this script as root."; exit 1; fi
fi

# The machine's own Debian mirror, from its existing apt sources (deb822 or one-line format).
mirror=$( (cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true) | awk '
  /^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
if [ -z "$mirror" ]; then
  mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true) | awk '
    $1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { if ($i !~ /security/) { print $i; exit } else break } }')
fi
if [ -z "$mirror" ]; then
  say "could not find a Debian mirror in /etc/apt/sources.list*; add one and run this again."
  exit 1
fi

list=/etc/apt/sources.list.d/deepclustering-trixie.list
pin=/etc/apt/preferences.d/deepclustering-trixie-pin
line="deb $mirror trixie main"
if [ "$(cat "$list" 2>/dev/null)" != "$line" ]; then
  say "adding Debian 13 (trixie) from $mirror with a low pin, for libstdc++6 only"
  echo "$line" | $sudo_cmd tee "$list" >/dev/null
fi
pin_text=$'Package: *\nPin: release n=trixie\nPin-Priority: 100'
if [ "$(cat "$pin" 2>/dev/null)" != "$pin_text" ]; then
  printf '%s\n' "$pin_text" | $sudo_cmd tee "$pin" >/dev/null
fi
say "installing libstdc++6 from trixie (about 15 s)"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq >/dev/null
$sudo_cmd apt-get install -y -qq -t trixie libstdc++6 >/dev/null
if has_glibcxx; then say "libstdc++ now provides GLIBCXX_3.4.32"; else
  say "libstdc++6 from trixie did not provide GLIBCXX_3.4.32; TorchSharp will not load."; exit 1; fi
