#!/usr/bin/env bash
# Builds the Debian package of Mnigs from a published folder with dpkg-deb (scripts/release.sh runs it on
# the NativeAOT builds). Prints the path of the .deb.
#
#   packaging/debian/build-deb.sh [--framework-dependent] PUBLISH_DIR ARCH OUT_DIR
#
# PUBLISH_DIR  what `dotnet publish` made: a NativeAOT mnigs with libe_sqlite3.so and libsodium.so.
# ARCH         Debian's name of its architecture: amd64 or arm64.
# --framework-dependent  PUBLISH_DIR is scripts/publish.sh's framework-dependent build (mnigs + mnigs.dll):
#              the package then needs the ASP.NET Core 10 runtime in /usr/share/dotnet, which it cannot
#              name as a dependency. For tests of the packaging only (tests/Mnigs.Lab.Tests/PackagingTests.cs).
# MNIGS_VERSION overrides the version (default: <Version> in Directory.Build.props).
#
# Layout: /usr/lib/mnigs/ holds the binary and its libraries; /usr/sbin/mnigsd and /usr/bin/mnigs-cli
# are symlinks to it (it looks at the name it was started as); /etc/mnigs/mnigs.conf (a conffile) is
# mnigs.conf.sample; /lib/systemd/system/mnigsd.service; manual pages; bash and zsh completion.
set -euo pipefail

framework_dependent=no
if [[ ${1:-} == --framework-dependent ]]; then
    framework_dependent=yes
    shift
fi
[[ $# -eq 3 ]] || { sed -n '5,6p' "$0" >&2; exit 2; }
publish=$(realpath "$1") arch=$2 out=$3
repo=$(realpath "$(dirname "$0")/../..")
case $arch in amd64 | arm64) ;; *) echo "ARCH must be amd64 or arm64, not $arch" >&2; exit 2 ;; esac
[[ -x $publish/mnigs ]] || { echo "$publish/mnigs is missing: publish first" >&2; exit 2; }
if [[ $framework_dependent == no && -e $publish/mnigs.dll ]]; then
    echo "$publish is a framework-dependent build; give --framework-dependent, or publish with NativeAOT" >&2
    exit 2
fi
version=${MNIGS_VERSION:-$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props")}
[[ -n $version ]] || { echo "No <Version> in Directory.Build.props" >&2; exit 2; }

root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT
lib=$root/usr/lib/mnigs
install -d "$lib" "$root/usr/sbin" "$root/usr/bin" "$root/etc/mnigs" "$root/lib/systemd/system" \
    "$root/usr/share/man/man8" "$root/usr/share/doc/mnigs/examples/systemd" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" "$root/DEBIAN"

# The binary and what it loads; not debug symbols, symlinks of publish.sh or files only IIS or the SDK read.
(cd "$publish" && find . \( -type f -o -type d \) ! -name '*.pdb' ! -name '*.dbg' ! -name 'web.config' \
    ! -name '*.staticwebassets.*' ! -name mnigsd ! -name mnigs-cli -print) | while read -r path; do
    if [[ -d $publish/$path ]]; then install -d "$lib/$path"; else install -m 0644 "$publish/$path" "$lib/$path"; fi
done
chmod 0755 "$lib/mnigs"
ln -s ../lib/mnigs/mnigs "$root/usr/sbin/mnigsd"
ln -s ../lib/mnigs/mnigs "$root/usr/bin/mnigs-cli"

install -m 0644 "$repo/mnigs.conf.sample" "$root/etc/mnigs/mnigs.conf"
install -m 0644 "$repo/packaging/systemd/mnigsd.service" "$root/lib/systemd/system/"
install -m 0644 "$repo/packaging/systemd/socks.conf" "$repo/packaging/systemd/softether.conf" "$root/usr/share/doc/mnigs/examples/systemd/"
for page in "$repo"/packaging/man/*.8; do
    gzip -9n <"$page" >"$root/usr/share/man/man8/$(basename "$page").gz"
done
install -m 0644 "$repo/packaging/completion/mnigs-cli.bash" "$root/usr/share/bash-completion/completions/mnigs-cli"
install -m 0644 "$repo/packaging/completion/_mnigs-cli" "$root/usr/share/zsh/vendor-completions/"
install -m 0644 "$repo/packaging/debian/copyright" "$repo/README.md" "$repo/docs/install.md" "$root/usr/share/doc/mnigs/"
install -m 0644 "$repo/mnigs.conf.sample" "$root/usr/share/doc/mnigs/examples/"

# The C library the binaries were linked against, at least (the newest GLIBC_ symbol version they use).
if [[ $framework_dependent == yes ]]; then
    depends="iproute2, nftables"
else
    objdump=objdump
    [[ $arch == arm64 && $(uname -m) != aarch64 ]] && objdump=aarch64-linux-gnu-objdump
    glibc=$(find "$lib" -type f \( -name mnigs -o -name '*.so' \) -exec "$objdump" -T {} + | grep -o 'GLIBC_[0-9.]*' |
        sed 's/GLIBC_//' | sort -V | tail -n 1)
    depends="libc6 (>= ${glibc:?no GLIBC_ version found in the binaries}), iproute2, nftables"
fi
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@MAINTAINER@/${MNIGS_MAINTAINER:-Mnigs maintainers <maintainers@mnigs.invalid>}/" \
    "$repo/packaging/debian/control.in" >"$root/DEBIAN/control"
echo /etc/mnigs/mnigs.conf >"$root/DEBIAN/conffiles"
install -m 0755 "$repo/packaging/debian/postinst" "$repo/packaging/debian/prerm" "$repo/packaging/debian/postrm" "$root/DEBIAN/"

mkdir -p "$out"
deb=$(realpath "$out")/mnigs_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
