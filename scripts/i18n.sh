#!/usr/bin/env bash
# The gettext cycle of the API's texts (translations/<locale>/LC_MESSAGES/messages.po).
#
#   scripts/i18n.sh extract   # code -> translations/messages.pot (keywords: babel.cfg)
#   scripts/i18n.sh update    # messages.pot -> each messages.po (changed texts turn fuzzy)
#   scripts/i18n.sh compile   # each messages.po -> messages.mo; fails on a placeholder error
#   scripts/i18n.sh init xx   # start the catalogue of a new locale xx
#
# A developer adds or changes a marked text (error_text, C_, N_: see babel.cfg) and runs
# `extract` then `update`; a translator edits the .po files (Poedit, Weblate, a text
# editor), removes the "fuzzy" flags after checking; `compile` (run by scripts/serve.sh and
# scripts/test.sh) builds the .mo files. tests/i18n refuses fuzzy or empty entries and a
# template that differs from what the code marks.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .venv/bin/pybabel ]; then
  PYBABEL=.venv/bin/pybabel
else
  PYBABEL=pybabel
fi

case "${1:-}" in
  extract)
    "$PYBABEL" extract -F babel.cfg -o translations/messages.pot \
      --project=palm-service-hall --version=0.1.0 \
      --copyright-holder="palm service hall" --width=76 --sort-by-file \
      --add-comments=TRANSLATORS: .
    ;;
  update)
    "$PYBABEL" update -i translations/messages.pot -d translations -D messages \
      --width=76 --ignore-obsolete
    ;;
  compile)
    # Exit status 1 when a translation breaks its placeholders (Babel's checkers); fuzzy
    # entries are left out of the .mo, so English shows until a translator confirms them.
    "$PYBABEL" compile -d translations -D messages --statistics
    ;;
  init)
    "$PYBABEL" init -i translations/messages.pot -d translations -D messages \
      --width=76 -l "${2:?give the locale, e.g. zh_Hant}"
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
