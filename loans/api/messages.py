"""Error messages of the JSON API, keyed by problem code, in the translation catalog.

The API answers in the language of Accept-Language (``zh`` → Chinese, otherwise English),
whatever the language of the user interface. Its messages carry the ``api`` context: they
are translated once, in the catalog, apart from the web pages' wording of the same English
(a page may say "居民身份证号码" where the API says "身份证号码").
"""
from __future__ import annotations

from flask_babel import force_locale, lazy_pgettext

MESSAGES = {
    "malformed_json": lazy_pgettext("api", "The request body is not valid JSON."),
    "not_object": lazy_pgettext("api", "The request body must be a JSON object."),
    "required": lazy_pgettext("api", "Missing data for required field."),
    "null": lazy_pgettext("api", "Field may not be null."),
    "invalid_value": lazy_pgettext("api", "Invalid value."),
    "invalid_string": lazy_pgettext("api", "Not a valid string."),
    "invalid_integer": lazy_pgettext("api", "Not a valid integer."),
    "invalid_boolean": lazy_pgettext("api", "Not a valid boolean (true or false)."),
    "invalid_date": lazy_pgettext("api", "Not a valid date; write it as YYYY-MM-DD."),
    "invalid_list": lazy_pgettext("api", "Not a valid list."),
    "too_large": lazy_pgettext("api", "Number too large."),
    "out_of_range": lazy_pgettext("api", "The number is outside the possible range."),
    "invalid_sex": lazy_pgettext("api", "Must be one of: male, female."),
    "invalid_loan_type": lazy_pgettext("api", "Must be one of: individual, partnership, enterprise."),
    "invalid_amount": lazy_pgettext("api", "Not a plain amount in yuan such as \"200000\" or \"90090.50\" "
                                           "(no thousands separators, at most two decimals)."),
    "birth_date_required": lazy_pgettext("api", "Required when id_number is not given."),
    "sex_required": lazy_pgettext("api", "Required when id_number is not given."),
    "key_groups_required": lazy_pgettext("api", "Missing data for required field."),
    "enterprise_required": lazy_pgettext("api", "Required for enterprise loans."),
    "graduation_date_required": lazy_pgettext("api", "Required when the graduate key group is claimed."),
    "unknown_key_group": lazy_pgettext("api", "Unknown key group: %(code)s."),
    "no_policy": lazy_pgettext("api", "No policy version is in force on %(date)s."),
    "id_length": lazy_pgettext("api", "A resident ID has 18 characters."),
    "id_format": lazy_pgettext("api", "A resident ID is 17 digits followed by a digit or X."),
    "id_checksum": lazy_pgettext("api", "The check character of the resident ID is wrong."),
    "id_birth_date": lazy_pgettext("api", "The birth date in the resident ID is not a real date."),
    "id_future_birth_date": lazy_pgettext("api", "The birth date in the resident ID is in the future."),
    "id_region": lazy_pgettext("api", "The region code of the resident ID does not exist."),
}


def message(problem: str, lang: str, **params) -> str:
    """The message for a problem code in ``lang`` (``zh`` or ``en``); an unknown code is
    returned as it is."""
    text = MESSAGES.get(problem)
    if text is None:
        return problem
    with force_locale(lang):
        text = str(text)
    return text % params if params else text
