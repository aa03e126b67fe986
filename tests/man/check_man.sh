#!/bin/sh
# Run by `make check` from the build folder. Checks, for every program, that
# --help and --version answer on stdout with status 0 and that an unknown
# option or argument is refused on stderr with status 2; that the generated
# crm.env(5) lists every setting `crm-admin config` prints and no other; that
# the other pages name only settings that exist; and that every page renders
# with groff's warnings on and none given.
set -u

version=${CRM_PACKAGE_VERSION:?set by the Makefile}
failures=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# run NAME ARGS...: runs ./NAME ARGS, status in $rc, output in $tmp/out, $tmp/err.
# A program that ignored its arguments would start serving: the timeout turns
# that into a failure rather than a hung test.
run() {
    prog=$1
    shift
    rc=0
    timeout 20 "./$prog" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null || rc=$?
}

expect_status() { # what want
    [ "$rc" -eq "$2" ] || fail "$1: exit status $rc, expected $2 (stderr: $(head -3 "$tmp/err"))"
}

# --- (a) the command lines ---------------------------------------------------
for p in crm-api crm-pushd crm-worker crm-admin crm-migrate; do
    for opt in --help -h; do
        run "$p" "$opt"
        expect_status "$p $opt" 0
        head -1 "$tmp/out" | grep -q "^usage: $p" || fail "$p $opt: no usage line on stdout"
        grep -q -- '--version' "$tmp/out" || fail "$p $opt: does not list --version"
        [ -s "$tmp/err" ] && fail "$p $opt: wrote to stderr"
    done
    for opt in --version -V; do
        run "$p" "$opt"
        expect_status "$p $opt" 0
        [ "$(cat "$tmp/out")" = "$p (crm) $version" ] ||
            fail "$p $opt: printed '$(cat "$tmp/out")', expected '$p (crm) $version'"
        [ -s "$tmp/err" ] && fail "$p $opt: wrote to stderr"
    done
    run "$p" --no-such-option
    expect_status "$p --no-such-option" 2
    [ -s "$tmp/out" ] && fail "$p --no-such-option: wrote to stdout"
    grep -q "^$p: unknown option '--no-such-option'" "$tmp/err" ||
        fail "$p --no-such-option: no error naming the option on stderr"
    grep -q "^usage: $p" "$tmp/err" || fail "$p --no-such-option: no usage on stderr"
done
for p in crm-api crm-pushd crm-worker; do
    run "$p" serve
    expect_status "$p serve" 2
    grep -q "^$p: unexpected argument 'serve'" "$tmp/err" || fail "$p serve: not refused"
done
run crm-migrate one two
expect_status "crm-migrate one two" 2

# crm-admin's commands still work, and refuse what they do not know.
run crm-admin
expect_status "crm-admin (no command)" 2
run crm-admin frobnicate
expect_status "crm-admin frobnicate" 2
run crm-admin create-user --bogus
expect_status "crm-admin create-user --bogus" 2
run crm-admin config --bogus
expect_status "crm-admin config --bogus" 2
run crm-admin config --man CRM_NO_SUCH_SETTING
expect_status "crm-admin config --man CRM_NO_SUCH_SETTING" 1
grep -q CRM_NO_SUCH_SETTING "$tmp/err" || fail "config --man: the unknown name is not named"
run crm-admin config --man CRM_WS_PORT
expect_status "crm-admin config --man CRM_WS_PORT" 0
[ "$(grep -c '^\.TP$' "$tmp/out")" -eq 1 ] && grep -qx '\.B CRM_WS_PORT' "$tmp/out" ||
    fail "config --man CRM_WS_PORT: not one paragraph for CRM_WS_PORT"
run crm-admin config
expect_status "crm-admin config" 0
sed -n 's/^| `\(CRM_[A-Z0-9_]*\)`.*/\1/p' "$tmp/out" | sort > "$tmp/table"
[ "$(wc -l < "$tmp/table")" -ge 20 ] || fail "crm-admin config: too few settings in its table"

# --- (b) the settings in the pages are the table's ------------------------------
names() { grep -o 'CRM_[A-Z0-9][A-Z0-9_]*' "$1" | sort -u; }
page=man/crm.env.5
if [ -f "$page" ]; then
    while read -r name; do
        grep -qx "\.B $name" "$page" || fail "$page: no paragraph for $name"
    done < "$tmp/table"
    names "$page" | comm -23 - "$tmp/table" > "$tmp/stale"
    [ -s "$tmp/stale" ] && fail "$page names what is not a setting: $(tr '\n' ' ' < "$tmp/stale")"
else
    fail "$page was not built"
fi
# Read by one program itself, not from the table.
printf '%s\n' CRM_ADMIN_PASSWORD CRM_MIGRATE_URL |
    sort - "$tmp/table" > "$tmp/known"
for p in crm-api crm-pushd crm-worker crm-admin crm-migrate; do
    page=man/$p.8
    [ -f "$page" ] || { fail "$page was not built"; continue; }
    names "$page" | comm -23 - "$tmp/known" > "$tmp/stale"
    [ -s "$tmp/stale" ] && fail "$page names what is not a setting: $(tr '\n' ' ' < "$tmp/stale")"
    grep -qx '\.BR crm\.env (5),' "$page" || fail "$page does not refer to crm.env(5)"
done

# --- (c) every page renders without a warning ----------------------------------
skip=0
if command -v groff > /dev/null; then
    for page in man/*.[58]; do
        groff -man -ww -z -Tutf8 "$page" > "$tmp/warn" 2>&1 || fail "$page: groff failed"
        [ -s "$tmp/warn" ] && fail "$page: groff warns: $(head -5 "$tmp/warn")"
        # The text a reader sees has no leftover template marks.
        groff -man -Tutf8 -P-c "$page" 2> /dev/null | grep -n '@' | grep -v 'clinic.example' > "$tmp/marks"
        [ -s "$tmp/marks" ] && fail "$page: template marks left: $(head -3 "$tmp/marks")"
    done
    if command -v man > /dev/null; then
        for page in man/*.[58]; do
            MANWIDTH=80 man --warnings -E UTF-8 -l "$page" > /dev/null 2> "$tmp/warn" ||
                fail "$page: man failed"
            [ -s "$tmp/warn" ] && fail "$page: man warns: $(head -5 "$tmp/warn")"
        done
    fi
else
    echo "groff is not installed (Debian: groff-base): pages not rendered"
    skip=1
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
[ "$skip" -eq 0 ] || exit 77
echo "manual pages and command lines: ok"
