#!/bin/sh
# expand.sh ADMIN PAGE: writes PAGE (a manual page whose paths and version are
# filled in) with each line "@settings [NAME...]" replaced by those settings'
# paragraphs, or all of them, as `ADMIN config --man` writes them from the
# settings table the programs read. A name that is not a setting fails.
set -eu
admin=$1
page=$2
while IFS= read -r line; do
    case $line in
        @settings|@settings\ *)
            # shellcheck disable=SC2086 # the names are words on purpose
            "$admin" config --man ${line#@settings} || exit 1 ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$page"
