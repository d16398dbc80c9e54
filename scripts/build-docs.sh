#!/usr/bin/env bash
# Builds the DocC documentation of every public library module with the toolchain alone: symbol
# graphs from `swift package dump-symbol-graph` (it reuses the debug build in .build, so after a
# `swift build` or `swift test` it takes seconds), then `docc convert` per module with warnings as
# errors, so a link that does not resolve (``Symbol``, <doc:Article>) fails the run. No plugin.
#
#   scripts/build-docs.sh            # every module, archives in .build-docs/<Module>.doccarchive
#   scripts/build-docs.sh StrataLRU  # only the modules named
#
# Preview an archive with `docc preview Sources/<Module>/<Module>.docc
#   --additional-symbol-graph-dir .build-docs/graphs/<Module>`.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=("$@")
if [ "${#modules[@]}" -eq 0 ]; then
    modules=(StrataRESP StrataRedis StrataCache StrataLRU StrataTTL StrataHotCold StrataTiers StrataFakeRedis)
fi
out=.build-docs

start=$SECONDS
mkdir -p "$out"
# Public symbols only (the default), and no copies of inherited documentation.
swift package dump-symbol-graph --skip-inherited-docs >"$out/symbol-graphs.log" 2>&1 || {
    cat "$out/symbol-graphs.log" >&2
    echo "error: swift package dump-symbol-graph failed" >&2
    exit 1
}
graphs="$(sed -n 's/^Files written to //p' "$out/symbol-graphs.log" | tail -1)"
[ -d "$graphs" ] || { echo "error: no symbol graph directory in $out/symbol-graphs.log" >&2; exit 1; }
echo "symbol graphs: $((SECONDS - start)) s ($graphs)"

failed=()
for module in "${modules[@]}"; do
    catalog="Sources/$module/$module.docc"
    [ -d "$catalog" ] || { echo "error: $catalog is missing" >&2; exit 1; }
    # docc documents one module per archive: give it this module's graphs only (its own, and its
    # extensions of other modules' types, `Module@Other.symbols.json`).
    rm -rf "$out/graphs/$module" "$out/$module.doccarchive"
    mkdir -p "$out/graphs/$module"
    cp "$graphs/$module.symbols.json" "$out/graphs/$module/"
    find "$graphs" -maxdepth 1 -name "$module@*.symbols.json" -exec cp {} "$out/graphs/$module/" \;
    if docc convert "$catalog" \
        --additional-symbol-graph-dir "$out/graphs/$module" \
        --fallback-display-name "$module" \
        --fallback-bundle-identifier "strata.$module" \
        --warnings-as-errors \
        --output-path "$out/$module.doccarchive"; then
        echo "$module: $out/$module.doccarchive"
    else
        failed+=("$module")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "error: the documentation of ${failed[*]} has warnings or errors (above)" >&2
    exit 1
fi
echo "documentation built in $((SECONDS - start)) s"
