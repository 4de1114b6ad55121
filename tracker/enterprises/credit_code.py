"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

Pure functions, no Django. `normalize` turns what people type or paste (full-width letters,
lower case, spaces, hyphens) into the code; `check` says what is wrong with it in Chinese.
"""

import re
import unicodedata

# The 31 characters the standard uses: digits and capitals without I, O, S, V and Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18
_SEPARATORS = re.compile(r"[\s\-－—_]+")


class CreditCodeError(ValueError):
    """str() is the message for the user, without the field's name."""


def normalize(value) -> str:
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SEPARATORS.sub("", text).upper()


def check_character(first17: str) -> str:
    total = sum(VALUE[ch] * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def check(value) -> str:
    """The code, normalized, or CreditCodeError naming what is wrong."""
    code = normalize(value)
    if len(code) != LENGTH:
        raise CreditCodeError(f"应为{LENGTH}位（现有{len(code)}位）")
    bad = [ch for ch in dict.fromkeys(code) if ch not in VALUE]
    if bad:
        shown = "、".join(f"「{ch}」" for ch in bad[:3])
        raise CreditCodeError(
            f"含有不允许的字符{shown}（信用代码只用数字和大写字母，不用 I、O、S、V、Z）"
        )
    if not code[2:8].isdigit():
        raise CreditCodeError(f"第3到8位应为行政区划代码（6位数字），现为「{code[2:8]}」")
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            f"校验位不对：按前17位计算，第18位应为「{expected}」，现为「{code[17]}」"
        )
    return code


def is_valid(value) -> bool:
    try:
        check(value)
    except CreditCodeError:
        return False
    return True


def make(first17: str) -> str:
    """A valid code from its first 17 characters (demo and test data)."""
    return first17 + check_character(first17)
