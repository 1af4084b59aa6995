"""Error messages of the JSON API in both languages, keyed by problem code.

The API answers in the language of Accept-Language (``zh`` → Chinese, otherwise
English), whatever the user interface's translations hold, so the pairs live here.
"""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "malformed_json": ("The request body is not valid JSON.", "请求内容不是有效的 JSON。"),
    "not_object": ("The request body must be a JSON object.", "请求内容须为 JSON 对象。"),
    "required": ("Missing data for required field.", "缺少必填字段。"),
    "null": ("Field may not be null.", "该字段不能为 null。"),
    "invalid_value": ("Invalid value.", "取值无效。"),
    "invalid_string": ("Not a valid string.", "不是有效的字符串。"),
    "invalid_integer": ("Not a valid integer.", "不是有效的整数。"),
    "invalid_boolean": ("Not a valid boolean (true or false).", "不是有效的布尔值（true 或 false）。"),
    "invalid_date": ("Not a valid date; write it as YYYY-MM-DD.", "不是有效日期，请按 YYYY-MM-DD 格式填写。"),
    "invalid_list": ("Not a valid list.", "不是有效的列表。"),
    "too_large": ("Number too large.", "数值过大。"),
    "out_of_range": ("The number is outside the possible range.", "数值超出合理范围。"),
    "invalid_sex": ("Must be one of: male, female.", "须为 male（男）或 female（女）。"),
    "invalid_loan_type": ("Must be one of: individual, partnership, enterprise.",
                          "须为 individual（个人）、partnership（合伙）或 enterprise（小微企业）之一。"),
    "invalid_amount": ("Not a plain amount in yuan such as \"200000\" or \"90090.50\" "
                       "(no thousands separators, at most two decimals).",
                       "不是有效的金额（单位：元），例如 \"200000\" 或 \"90090.50\"，不加千分位分隔符，最多两位小数。"),
    "birth_date_required": ("Required when id_number is not given.", "未填写身份证号码时必填。"),
    "sex_required": ("Required when id_number is not given.", "未填写身份证号码时必填。"),
    "key_groups_required": ("Missing data for required field.", "缺少必填字段。"),
    "enterprise_required": ("Required for enterprise loans.", "小微企业贷款必填。"),
    "graduation_date_required": ("Required when the graduate key group is claimed.",
                                 "申报高校毕业生身份时必填。"),
    "unknown_key_group": ("Unknown key group: {code}.", "未知的重点群体代码：{code}。"),
    "no_policy": ("No policy version is in force on {date}.", "{date} 没有有效的政策版本。"),
    "id_length": ("A resident ID has 18 characters.", "身份证号码应为 18 位。"),
    "id_format": ("A resident ID is 17 digits followed by a digit or X.", "身份证号码应为 17 位数字加 1 位数字或 X。"),
    "id_checksum": ("The check character of the resident ID is wrong.", "身份证号码校验码不正确。"),
    "id_birth_date": ("The birth date in the resident ID is not a real date.", "身份证号码中的出生日期不是有效日期。"),
    "id_future_birth_date": ("The birth date in the resident ID is in the future.", "身份证号码中的出生日期晚于今天。"),
    "id_region": ("The region code of the resident ID does not exist.", "身份证号码中的地区代码不存在。"),
}


def message(problem: str, lang: str, **params) -> str:
    """The message for a problem code; an unknown code is returned as it is."""
    pair = MESSAGES.get(problem)
    if pair is None:
        return problem
    return (pair[1] if lang == "zh" else pair[0]).format(**params)
