#!/bin/sh
# expand.sh ADMIN TEMPLATE [NAME=VALUE...]: writes the manual page TEMPLATE
# describes to stdout. Each @NAME@ becomes VALUE (a path or the version) as
# roff text that may break after a slash, so a long prefix still renders
# without warnings; each line "@settings [NAME...]" becomes those settings'
# paragraphs, or all of them, as `ADMIN config --man` writes them from the
# settings table the programs read. A name that is not a setting fails.
set -eu
admin=$1
template=$2
shift 2

script=
for pair in "$@"; do
    name=${pair%%=*}
    value=${pair#*=}
    # roff: \ is \e, - a minus sign, a break point after each /; then sed's
    # replacement escapes for \, & and the | delimiter.
    roff=$(printf '%s\n' "$value" | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e 's|/|/\\:|g')
    esc=$(printf '%s\n' "$roff" | sed -e 's/[\\|&]/\\&/g')
    script="${script}s|@${name}@|${esc}|g
"
done

sed -e "$script" "$template" | while IFS= read -r line; do
    case $line in
        @settings|@settings\ *)
            # shellcheck disable=SC2086 # the names are words on purpose
            "$admin" config --man ${line#@settings} || exit 1 ;;
        *) printf '%s\n' "$line" ;;
    esac
done
