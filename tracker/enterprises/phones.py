"""Phone numbers as county lists write them: mobiles and landlines with or without the area
code. Pure functions, no Django."""

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-－—()（）]+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"(0\d{2,3})?[2-9]\d{6,7}")


class PhoneError(ValueError):
    """str() is the message for the user, without the field's name."""


def check(value, *, required: bool = False) -> str:
    """The number as written (spaces trimmed), or PhoneError."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text:
        if required:
            raise PhoneError("不能为空")
        return ""
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    if not (_MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits)):
        raise PhoneError(f"「{text[:20]}」不是有效的电话号码（手机11位，座机如 0752-1234567）")
    return text[:20]
