#!/bin/sh
# exports.sh -- the dynamic symbol table of the built libndkern.so defines
# exactly the functions declared with NDKERN_API in csrc/ndkern.h: nothing
# documented is missing, nothing undocumented leaks.
#
# Environment: NDKERN_BUILDDIR (top build directory, default .), srcdir (as
# automake sets it; default: two levels above this script), NM (default nm).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${srcdir:-$here/../..}
header=$top_srcdir/csrc/ndkern.h
lib=${NDKERN_BUILDDIR:-.}/csrc/.libs/libndkern.so
nm_cmd=${NM:-nm}

if [ ! -r "$header" ]; then
    echo "ERROR: cannot read $header" >&2
    exit 99
fi
if [ ! -f "$lib" ]; then
    echo "ERROR: $lib not found (build the library first)" >&2
    exit 99
fi

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/ndkern-exports.XXXXXX") || exit 99
trap 'rm -rf "$tmpdir"' EXIT HUP INT TERM

# Documented: the identifier before the first "(" on each line that starts a
# declaration with NDKERN_API (the macro's own #define lines are skipped).
sed -n 's/^[[:space:]]*NDKERN_API[[:space:]][^(]*[^A-Za-z0-9_(]\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*(.*/\1/p' \
    "$header" | sort -u >"$tmpdir/documented"

# Sanity check of the extraction itself, so a header reformatting cannot
# silently turn this test into a no-op.
for name in square_array sum_array convolve2d ndkern_correlate2d ndkern_strerror \
    ndkern_status_name ndkern_convolve2d_method ndkern_choose_conv_method \
    ndkern_convolve2d_batched ndkern_fp_exceptions; do
    if ! grep -qx "$name" "$tmpdir/documented"; then
        echo "ERROR: could not find NDKERN_API $name in $header; extracted:" >&2
        cat "$tmpdir/documented" >&2
        exit 99
    fi
done

# Exported: defined dynamic symbols.  The linker's own markers are not part
# of the library's interface.
if ! $nm_cmd -D --defined-only "$lib" >"$tmpdir/nm.out" 2>"$tmpdir/nm.err"; then
    echo "ERROR: $nm_cmd -D --defined-only $lib failed:" >&2
    cat "$tmpdir/nm.err" >&2
    exit 99
fi
awk 'NF >= 2 { name = $NF; type = $(NF - 1); sub(/@.*/, "", name);
               print name, type }' "$tmpdir/nm.out" |
    grep -v -E '^(_init|_fini|_edata|_end|__bss_start|_DYNAMIC|_GLOBAL_OFFSET_TABLE_) ' |
    sort -u >"$tmpdir/exported_typed"
cut -d' ' -f1 "$tmpdir/exported_typed" | sort -u >"$tmpdir/exported"

status=0
missing=$(comm -23 "$tmpdir/documented" "$tmpdir/exported")
extra=$(comm -13 "$tmpdir/documented" "$tmpdir/exported")
if [ -n "$missing" ]; then
    echo "FAIL: documented in ndkern.h but not exported by $lib:"
    echo "$missing" | sed 's/^/    /'
    status=1
fi
if [ -n "$extra" ]; then
    echo "FAIL: exported by $lib but not declared NDKERN_API in ndkern.h:"
    echo "$extra" | sed 's/^/    /'
    status=1
fi
# Every documented symbol must be a function (text), not data.
not_text=$(grep -F -f "$tmpdir/documented" -w "$tmpdir/exported_typed" |
           awk '$2 != "T" && $2 != "W" && $2 != "i" { print }')
if [ -n "$not_text" ]; then
    echo "FAIL: documented functions exported as non-function symbols:"
    echo "$not_text" | sed 's/^/    /'
    status=1
fi

echo "$(wc -l <"$tmpdir/documented") documented functions, $(wc -l <"$tmpdir/exported") exported symbols"
[ $status = 0 ] && echo "PASS: the exports match the documented functions"
exit $status
