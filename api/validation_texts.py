"""Field details a 422 can carry: marshmallow's and webargs' defaults, our schemas' and
services' own messages, exactly as they are produced (python-format placeholders).

``api.validation`` maps each English detail back to its message here to translate it; a
test lists what the schemas can emit and checks each is here. Marked ``N_`` for ``pybabel
extract`` (no message context).
"""

from __future__ import annotations

from services.core.i18n import N_

# TRANSLATORS: Field error from schemas/common.py.
N_("Contains characters that are not allowed.")

# TRANSLATORS: Field error from schemas/common.py.
N_("Not an IANA time zone.")

# TRANSLATORS: Field error from schemas/common.py, services/legalization_rules.py.
N_("Not an ISO 3166-1 alpha-2 country code.")

# TRANSLATORS: Field error from schemas/common.py.
N_("Not an ISO 4217 currency code.")

# TRANSLATORS: Field error from schemas/common.py (names as printed in the passport).
N_("Use Latin letters only.")

# TRANSLATORS: Field error from schemas/common.py.
N_("The date of birth is in the future.")

# TRANSLATORS: Field error from schemas/common.py (before 1900).
N_("The date of birth is too far in the past.")

# TRANSLATORS: Field error from schemas/common.py (multilingual texts entered by staff).
N_("An English text is required.")

# TRANSLATORS: Field error from schemas/accounts.py.
N_("Give an email or a phone number.")

# TRANSLATORS: Field error from schemas/trips.py.
N_("The trip ends before it starts.")

# TRANSLATORS: Field error from schemas/applicants.py (passport number).
N_("5 to 20 capital letters or digits.")

# TRANSLATORS: Field error from schemas/schedules.py.
N_("A list of 1 to 20 service codes.")

# TRANSLATORS: Field error from schemas/schedules.py (opens_at is a field name: keep it).
N_("Must be after opens_at.")

# TRANSLATORS: Field error from schemas/schedules.py (field names: keep them).
N_("Give first_day (and last_day), or starts_at and ends_at.")

# TRANSLATORS: Field error from schemas/schedules.py (field names: keep them).
N_("Give both starts_at and ends_at.")

# TRANSLATORS: Field error from schemas/schedules.py (field names: keep them).
N_("last_day goes with first_day.")

# TRANSLATORS: Field error from schemas/schedules.py (field names: keep them).
N_("Give either token or code.")

# TRANSLATORS: Field error from schemas/notifications.py.
N_("Not an FCM registration token.")

# TRANSLATORS: Field error from schemas/notifications.py (field names: keep them).
N_("Give quiet_start and quiet_end together.")

# TRANSLATORS: Field error from schemas/notifications.py (quiet hours).
N_("Give both times, or null for both.")

# TRANSLATORS: Field error from schemas/catalogue.py.
N_("A decimal amount, e.g. 12.500.")

# TRANSLATORS: Field error from schemas/alerts.py (the all-clear ends a safety alert).
N_("The all-clear needs its own text.")

# TRANSLATORS: Field error from schemas/alerts.py.
N_("Give latitude and longitude together.")

# TRANSLATORS: Field error from services/documents.py (kind of document).
N_("Unknown kind.")

# TRANSLATORS: Field error from services/documents.py (kind: a document kind code; allowed: content types).
N_("A %(kind)s must be one of: %(allowed)s.")

# TRANSLATORS: Field error from services/documents.py (kind: a document kind code).
N_("A %(kind)s must be %(min_size)s to %(max_size)s bytes.")

# TRANSLATORS: Field error from services/legalization_rules.py (legalization numbers).
N_("This number is required.")

# TRANSLATORS: Field error from services/legalization_rules.py.
N_("Control characters are not allowed.")

# TRANSLATORS: Field error from services/legalization_rules.py.
N_("At most %(max)s characters.")

# TRANSLATORS: Field error from services/legalization_rules.py.
N_("This field is required.")

# TRANSLATORS: Field error from services/legalization_rules.py.
N_("A date written YYYY-MM-DD is required.")

# TRANSLATORS: Field error from services/legalization_rules.py.
N_("The date is in the future.")

# TRANSLATORS: Field error from services/legalization_rules.py.
N_("The date is before 1900.")

# TRANSLATORS: Field error from services/legalization_import.py (CSV import, one line).
N_("Expected %(expected)s columns, found %(found)s.")

# TRANSLATORS: Field error from services/legalization_import.py (CSV import).
N_("The same three numbers are already on line %(line)s.")

# TRANSLATORS: Field error from services/legalization_import.py (CSV import).
N_("A record with these numbers exists at another post.")

# TRANSLATORS: Field error from services/legalization_import.py (fields: field names, comma-separated).
N_("A record with these numbers exists with different %(fields)s.")

# TRANSLATORS: Field error from api/__init__.py (a POST, PUT or PATCH without a body).
N_("A JSON body is required.")

# TRANSLATORS: Field error from webargs (flaskparser).
N_("Invalid JSON body.")

# TRANSLATORS: Field error from marshmallow Schema (type).
N_("Invalid input type.")

# TRANSLATORS: Field error from marshmallow Schema (unknown).
N_("Unknown field.")

# TRANSLATORS: Field error from marshmallow Field (required).
N_("Missing data for required field.")

# TRANSLATORS: Field error from marshmallow Field (null).
N_("Field may not be null.")

# TRANSLATORS: Field error from marshmallow Field (validator_failed), webargs.
N_("Invalid value.")

# TRANSLATORS: Field error from marshmallow Nested (type).
N_("Invalid type.")

# TRANSLATORS: Field error from marshmallow List.
N_("Not a valid list.")

# TRANSLATORS: Field error from marshmallow Dict / Mapping.
N_("Not a valid mapping type.")

# TRANSLATORS: Field error from marshmallow String.
N_("Not a valid string.")

# TRANSLATORS: Field error from marshmallow String.
N_("Not a valid utf-8 string.")

# TRANSLATORS: Field error from marshmallow Integer.
N_("Not a valid integer.")

# TRANSLATORS: Field error from marshmallow Number / Float.
N_("Not a valid number.")

# TRANSLATORS: Field error from marshmallow Number.
N_("Number too large.")

# TRANSLATORS: Field error from marshmallow Float.
N_("Special numeric values (nan or infinity) are not permitted.")

# TRANSLATORS: Field error from marshmallow Boolean.
N_("Not a valid boolean.")

# TRANSLATORS: Field error from marshmallow Email.
N_("Not a valid email address.")

# TRANSLATORS: Field error from marshmallow DateTime.
N_("Not a valid datetime.")

# TRANSLATORS: Field error from marshmallow AwareDateTime (an offset is required).
N_("Not a valid aware datetime.")

# TRANSLATORS: Field error from marshmallow NaiveDateTime (no offset allowed).
N_("Not a valid naive datetime.")

# TRANSLATORS: Field error from marshmallow Date.
N_("Not a valid date.")

# TRANSLATORS: Field error from marshmallow Time.
N_("Not a valid time.")

# TRANSLATORS: Field error from marshmallow DateTime (input: the value sent).
N_('"%(input)s" cannot be formatted as a datetime.')

# TRANSLATORS: Field error from marshmallow Date (input: the value sent).
N_('"%(input)s" cannot be formatted as a date.')

# TRANSLATORS: Field error from marshmallow Time (input: the value sent).
N_('"%(input)s" cannot be formatted as a time.')

# TRANSLATORS: Field error from marshmallow OneOf / Enum (choices: the allowed codes, comma-separated).
N_("Must be one of: %(choices)s.")

# TRANSLATORS: Field error from marshmallow Regexp.
N_("String does not match expected pattern.")

# TRANSLATORS: Field error from marshmallow Length.
N_("Shorter than minimum length %(min)s.")

# TRANSLATORS: Field error from marshmallow Length.
N_("Longer than maximum length %(max)s.")

# TRANSLATORS: Field error from marshmallow Length.
N_("Length must be between %(min)s and %(max)s.")

# TRANSLATORS: Field error from marshmallow Length.
N_("Length must be %(equal)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be greater than or equal to %(min)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be greater than %(min)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be less than or equal to %(max)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be less than %(max)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be greater than %(min)s and less than or equal to %(max)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be greater than or equal to %(min)s and less than %(max)s.")

# TRANSLATORS: Field error from marshmallow Range.
N_("Must be greater than %(min)s and less than %(max)s.")

# TRANSLATORS: Field error from schemas/releases.py.
N_("Must be a day between 2000 and 2100.")

# TRANSLATORS: Field error from services/core/text.py (free text meant to be one line).
N_("Line breaks are not allowed here.")

# TRANSLATORS: Field error from services/core/text.py (U+202A-U+202E, U+2066-U+2069).
N_("Bidirectional formatting characters are not allowed.")

# TRANSLATORS: Field error from services/legalizations/rules.py.
N_("Control or invisible formatting characters are not allowed.")

# TRANSLATORS: Field error from services/legalizations/rules.py (CSV import and record).
N_("Must not start with = + - or @, which a spreadsheet runs as a formula.")

# TRANSLATORS: Field error from schemas/notifications.py (the app's installation id).
N_("Visible ASCII characters only.")

# TRANSLATORS: Detail of a 400 invalid_json, from api/json_body.py.
N_("The body is not UTF-8 text.")

# TRANSLATORS: Detail of a 400 invalid_json, from api/json_body.py (depth: a number).
N_("The body nests deeper than %(depth)s levels.")

# TRANSLATORS: Detail of a 400 invalid_json, from api/json_body.py.
N_("The body is not valid JSON.")

# TRANSLATORS: Detail of a 400 invalid_json, from api/json_body.py.
N_("The body could not be read.")

# TRANSLATORS: Field error from schemas/account_lifecycle.py.
N_("Give the token, or the email and the code.")

# TRANSLATORS: Field error from schemas/account_lifecycle.py.
N_("Six digits.")
