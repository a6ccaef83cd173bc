#!/usr/bin/env bash
# Adopter check: do the tests belong to the tool, or to the examples?
#
# Clones this repository (its committed HEAD) into a temporary directory with no shared/ directory anywhere
# above it, replaces every example config (apps/*/access.yaml, apps/bootstrap/bootstrap.yaml) with another
# organisation's (scripts/adopter-fixture: acme-corp, other accounts, regions, repositories, roles, environment
# names, sharding), then runs what an adopter runs: install, `pnpm synth`, `pnpm test`. Every test must pass.
#
#   scripts/adopter-check.sh                  # the whole suite (about as long as `pnpm test`)
#   scripts/adopter-check.sh --filter './apps/*'   # only some packages (turbo --filter), while iterating
#   scripts/adopter-check.sh --fixture DIR    # another replacement set, laid out as DIR/apps/<app>/<config>
#   KEYLESS_ADOPTER_KEEP=1 scripts/adopter-check.sh  # keep the clone for a look afterwards
#
# Exit codes: 0 every step passed; 1 a step failed (its log tail and the failing tests are printed);
# 2 the check itself could not be set up (bad fixture, clone failed).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
fixture="$root/scripts/adopter-fixture"
filters=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fixture) fixture="$(cd "$2" && pwd)"; shift 2 ;;
    --filter) filters+=("--filter=$2"); shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "adopter-check: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/keyless-adopter.XXXXXX")"
cleanup() {
  if [ "${KEYLESS_ADOPTER_KEEP:-0}" = 1 ]; then echo "adopter-check: kept $work/keyless"; else rm -rf "$work"; fi
}
trap cleanup EXIT
clone="$work/keyless"
logs="$work/logs"
mkdir -p "$logs"

# The fresh clone must not see the project's shared/ directory, as an adopter's would not.
unset KEYLESS_SHARED_DIR
for dir in "$work" "$(dirname "$work")"; do
  if [ -e "$dir/shared" ]; then echo "adopter-check: $dir/shared exists; set TMPDIR to a directory without one" >&2; exit 2; fi
done

echo "== adopter check: $(git -C "$root" rev-parse --short HEAD) with the configs of $fixture"
git clone --quiet --no-hardlinks "$root" "$clone" || exit 2
cd "$clone"

# Replace every example config; a config with no replacement would leave the examples' organisation in.
replaced=0
for src in "$fixture"/apps/*/*.yaml; do
  [ -e "$src" ] || continue
  app="$(basename "$(dirname "$src")")"
  if [ ! -f "apps/$app/package.json" ]; then echo "adopter-check: $src: there is no app apps/$app" >&2; exit 2; fi
  cp "$src" "apps/$app/$(basename "$src")"
  replaced=$((replaced + 1))
done
for f in apps/*/access.yaml apps/*/bootstrap.yaml; do
  [ -e "$f" ] || continue
  if [ ! -f "$fixture/$f" ]; then echo "adopter-check: $f has no replacement in $fixture" >&2; exit 2; fi
done
if [ "$replaced" -eq 0 ]; then echo "adopter-check: no configs in $fixture/apps/*/" >&2; exit 2; fi
owner="$(sed -n 's/^  owner: *//p' apps/bootstrap/bootstrap.yaml | head -n 1)"
echo "== replaced $replaced configs: organisation ${owner:-?}"
git --no-pager diff --stat | tail -n 1

failed=""
step() {
  local name="$1"; shift
  local t0=$SECONDS
  if "$@" >"$logs/$name.log" 2>&1; then
    echo "== $name: passed in $((SECONDS - t0)) s"
  else
    echo "== $name: FAILED in $((SECONDS - t0)) s; last lines of its log:"
    tail -n 40 "$logs/$name.log" | sed 's/^/   | /'
    failed="$failed $name"
  fi
}

install() {
  # The store is warm on CI and on a machine that ran `pnpm install`; fall back to the network otherwise.
  pnpm install --offline --frozen-lockfile || pnpm install --prefer-offline --frozen-lockfile
}

step install install
if [ -z "$failed" ]; then
  if [ ${#filters[@]} -eq 0 ]; then
    step synth pnpm synth
    step test pnpm test
  else
    step synth pnpm exec turbo run synth --concurrency=2 "${filters[@]}"
    step test pnpm exec turbo run test --concurrency=2 --continue "${filters[@]}"
  fi
  # Which tests failed, by package and title, from the JSON reports.
  node -e '
    const { existsSync, readFileSync, readdirSync } = require("node:fs");
    for (const group of ["packages", "apps", "actions"]) for (const name of existsSync(group) ? readdirSync(group) : []) {
      const file = `${group}/${name}/test-results.json`;
      if (!existsSync(file)) continue;
      for (const t of JSON.parse(readFileSync(file, "utf8")).testResults ?? [])
        for (const a of t.assertionResults ?? []) if (a.status === "failed")
          console.log(`   x ${group}/${name}: ${a.fullName}\n       ${(a.failureMessages[0] ?? "").split("\n")[0].slice(0, 300)}`);
    }' || true
  if [ ${#filters[@]} -eq 0 ]; then
    echo "== $(node scripts/test-summary.mjs || true)"
  fi
fi

if [ -n "$failed" ]; then
  echo "adopter check FAILED:$failed (the clone's configs are in scripts/adopter-fixture; KEYLESS_ADOPTER_KEEP=1 keeps the clone)"
  exit 1
fi
echo "adopter check passed: another organisation's configs synthesize and pass every test"
