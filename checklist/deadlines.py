"""Deadline phrases in a directive (本月底前, 3月上旬, 春节前, 30天内 …) resolved against a reference
date: the speech date, or for a 任务分解表 the import date (see tracker.excel.cells).

Pure code. ``find_deadline`` reads the matching text of one sentence (see speech_text) and
returns the date, the words it came from and whether the order is immediate. The phrase table
below is the rule set of the labelling spec. ``place`` puts a phrase in its year, for both:

- no year (3月底前, 上半年, 一季度, 国庆前, 年底): the next such date on or after the reference
  date, so 3月底前 said or imported in December is next March;
- 明年 / 下一年 / 下年 / 次年 / 来年: the year after the reference date's (明年底, 明年上半年);
- 今年 / 本年: the reference date's year, even when that date is already past (今年3月底前 said in
  December); the pages that show such a date flag it;
- a written year (2027年3月底前) as written.

Holidays are deadlines on their eve: 元旦前 is 31 December, 五一前 30 April, 国庆前 30 September,
汛期前 31 May (the flood season starts in June), 春节前 the day before 正月初一.
"""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# Lunar New Year's day (正月初一), 2000–2040. 春节前 resolves to the day before the next one.
SPRING_FESTIVAL = {
    2000: date(2000, 2, 5), 2001: date(2001, 1, 24), 2002: date(2002, 2, 12),
    2003: date(2003, 2, 1), 2004: date(2004, 1, 22), 2005: date(2005, 2, 9),
    2006: date(2006, 1, 29), 2007: date(2007, 2, 18), 2008: date(2008, 2, 7),
    2009: date(2009, 1, 26), 2010: date(2010, 2, 14), 2011: date(2011, 2, 3),
    2012: date(2012, 1, 23), 2013: date(2013, 2, 10), 2014: date(2014, 1, 31),
    2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28),
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25),
    2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
    2030: date(2030, 2, 3), 2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
    2033: date(2033, 1, 31), 2034: date(2034, 2, 19), 2035: date(2035, 2, 8),
    2036: date(2036, 1, 28), 2037: date(2037, 2, 15), 2038: date(2038, 2, 4),
    2039: date(2039, 1, 24), 2040: date(2040, 2, 12),
}  # fmt: skip

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}  # fmt: skip


def cn_number(word: str) -> int | None:
    """'12', '十二', '二十五', '三十' → int; None when it is not a number."""
    if word.isdigit():
        return int(word)
    if not word or any(c not in _CN_DIGITS and c not in "十百" for c in word):
        return None
    if "百" in word:
        head, _, rest = word.partition("百")
        hundreds = _CN_DIGITS.get(head, 1) if head else 1
        return hundreds * 100 + (cn_number(rest.lstrip("零")) or 0 if rest else 0)
    if "十" in word:
        tens, _, ones = word.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    if len(word) == 1:
        return _CN_DIGITS[word]
    return int("".join(str(_CN_DIGITS[c]) for c in word))


@dataclass(frozen=True)
class Deadline:
    deadline: date | None
    phrase: str
    immediate: bool


# Words that make an order due at once; the deadline is then the speech date.
IMMEDIATE = re.compile(r"立即|马上|立刻|会后|会议结束后|今天会议后|今天会后|即日起")

_NUM = r"(?:\d{1,3}|[一二两三四五六七八九十百]{1,4})"
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DAY = r"(?:3[01]|[12]\d|0?[1-9]|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"

# Words that put a phrase in the year after the reference date's, or in its own year.
NEXT_YEAR_WORDS = ("明年", "下一年", "下年", "次年", "来年")
THIS_YEAR_WORDS = ("今年", "本年")
_RELATIVE = "|".join(NEXT_YEAR_WORDS + THIS_YEAR_WORDS)

# The phrase table. Order matters only where one phrase contains another (本月底 before 月底).
# A 明年 / 今年 in front of a phrase that has no year of its own is read with it (明年上半年).
_PHRASES = re.compile(
    rf"(?:(?P<rel>{_RELATIVE})度?(?:的)?)?(?:"
    + "|".join(
        [
            r"(?P<this_month>本月(?:底|末|内)|当月(?:底|内))",
            r"(?P<next_month>下(?:个)?月(?:底|末))",
            r"(?P<half>[上下]半年)",
            r"(?P<quarter>(?:第)?(?P<q>[一二三四1-4])季度)",
            rf"(?<!去年)(?<!上年)(?<![\d一二三四五六七八九十])(?:(?P<dyear>\d{{4}})年)?(?P<dmonth>{_MONTH})月(?P<dday>{_DAY})[日号](?:之|以)?前",
            rf"(?<!去年)(?<!上年)(?<![\d一二三四五六七八九十])(?:(?P<myear>\d{{4}})年)?(?P<mmonth>{_MONTH})月(?:底|末|份底)",
            rf"(?<![\d一二三四五六七八九十])(?P<xmonth>{_MONTH})月(?P<xun>上旬|中旬|下旬)",
            # 明年底, 明年年内: the end of the year the prefix names.
            r"(?P<rel_end>(?(rel)(?:年)?(?:底|末|内|终)|(?!)))",
            # 年终 is read as 年底.
            r"(?P<year_end>(?<![去上前\d一二两三四五六七八九十])年(?:内|底|末|终)|今年(?:底|末|内)|年底前)",
            # A bare 今年 sets the year's end only with a completion verb in its own clause
            # ("今年必须完成…"), not as a time frame ("今年，县政府将…").
            r"(?P<this_year>今年)(?![年底末内])(?=[^，。；]{0,10}?(?:完成|建成))",
            r"(?P<spring>春节(?:前|之前|以前))",
            r"(?P<newyear>元旦(?:节)?(?:前|之前|以前))",
            r"(?P<mayday>[“\"]?五一[”\"]?(?:劳动)?(?:节)?(?:前|之前|以前))",
            r"(?P<national>(?:国庆(?:节)?|[“\"]十一[”\"](?:节)?)(?:前|之前|以前))",
            r"(?P<flood>(?:主)?汛期(?:前|之前|以前|到来前|到来之前)|入汛前)",
            rf"(?P<days>{_NUM})(?:个工作日|天|日)(?:内|之内|以内)",
            rf"(?P<months>{_NUM})个月(?:内|之内|以内)",
        ]
    )
    + ")"
)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def relative_year(word: str | None, reference: date) -> int | None:
    """明年 → the reference date's next year, 今年 → its own year, anything else → None."""
    if word in NEXT_YEAR_WORDS:
        return reference.year + 1
    if word in THIS_YEAR_WORDS:
        return reference.year
    return None


def place(
    make: Callable[[int], date | None], reference: date, *, year: int | None = None
) -> date | None:
    """The date ``make(year)`` gives, in the year the words name, else the first one on or
    after the reference date.

    ``make`` builds the phrase's date in a given year (None where it does not exist, such as
    29 February in a common year). With ``year`` (written, or from 明年/今年) that year's date
    is taken even when it is already past: the caller flags a past date, it never moves one.
    Without it the reference year is tried first, then the following ones.
    """
    if year is not None:
        return make(year)
    for candidate_year in range(reference.year, reference.year + 9):
        found = make(candidate_year)
        if found is not None and found >= reference:
            return found
    return None


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def spring_festival_eve(year: int) -> date | None:
    festival = SPRING_FESTIVAL.get(year)
    return festival - timedelta(days=1) if festival else None


# Holidays and seasons a deadline is set before: the day before, in a given year. 元旦 is the
# 1 January that starts that year, so 明年元旦前 said in 2026 is 31 December 2026.
HOLIDAY_EVES: dict[str, Callable[[int], date | None]] = {
    "spring": spring_festival_eve,
    "newyear": lambda year: date(year - 1, 12, 31),
    "mayday": lambda year: date(year, 4, 30),
    "national": lambda year: date(year, 9, 30),
    "flood": lambda year: date(year, 5, 31),
}


def _resolve(m: re.Match, d: date) -> date | None:
    g = m.groupdict()
    year = relative_year(g["rel"], d)
    if g["this_month"]:
        return _month_end(d.year, d.month)
    if g["next_month"]:
        nxt = _add_months(d.replace(day=1), 1)
        return _month_end(nxt.year, nxt.month)
    if g["half"]:
        month = 6 if g["half"][0] == "上" else 12
        return place(lambda y: _month_end(y, month), d, year=year)
    if g["quarter"]:
        q = cn_number(g["q"])
        return place(lambda y: _month_end(y, q * 3), d, year=year)
    if g["dmonth"]:
        month, day = cn_number(g["dmonth"]), cn_number(g["dday"])
        year = int(g["dyear"]) if g["dyear"] else year
        return place(lambda y: _day(y, month, day), d, year=year)
    if g["mmonth"]:
        month = cn_number(g["mmonth"])
        year = int(g["myear"]) if g["myear"] else year
        return place(lambda y: _month_end(y, month), d, year=year)
    if g["xmonth"]:
        month = cn_number(g["xmonth"])
        if g["xun"] == "上旬":
            return place(lambda y: date(y, month, 10), d, year=year)
        if g["xun"] == "中旬":
            return place(lambda y: date(y, month, 20), d, year=year)
        return place(lambda y: _month_end(y, month), d, year=year)
    if g["rel_end"] is not None and g["rel"]:
        return date(year, 12, 31)
    if g["year_end"] or g["this_year"]:
        return date(d.year, 12, 31)
    for holiday, eve in HOLIDAY_EVES.items():
        if g[holiday]:
            return place(eve, d, year=year)
    if g["days"]:
        n = cn_number(g["days"])
        return d + timedelta(days=n) if n else None
    if g["months"]:
        n = cn_number(g["months"])
        return _add_months(d, n) if n else None
    return None


# Every phrase above contains one of these; most sentences contain none, and this scan is far
# cheaper than the full table.
_TRIGGER = re.compile(
    r"月|季度|半年|年[内底末终]|今年|春节|元旦|五一|国庆|十一|汛|[天日]内|[天日]之内|[天日]以内"
)


def find_deadline(sentence: str, speech_date: date | None) -> Deadline:
    """The first deadline phrase of the sentence, resolved; immediate words set ``immediate``.

    With no speech date the phrase is still reported but the date stays None. An immediate
    order with no phrase of its own is due on the speech date.
    """
    immediate_match = IMMEDIATE.search(sentence)
    phrase_match = _PHRASES.search(sentence) if _TRIGGER.search(sentence) else None
    deadline = None
    phrase = ""
    if phrase_match:
        phrase = phrase_match.group()
        # Keep the 前 / 之前 that follows a month end: "本月底前" reads better than "本月底".
        tail = re.match(r"(?:之|以)?前", sentence[phrase_match.end() :])
        if tail and not phrase.endswith("前"):
            phrase += tail.group()
        if speech_date is not None:
            deadline = _resolve(phrase_match, speech_date)
    if immediate_match:
        if not phrase:
            phrase = immediate_match.group()
            deadline = speech_date
        return Deadline(deadline, phrase, True)
    return Deadline(deadline, phrase, False)
