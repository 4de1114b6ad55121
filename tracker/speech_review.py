"""Speech → checklist: a speech is entered, extraction proposes directives once, and the office
accepts (a draft item with its units), rejects, merges or splits each one, then publishes.

Nothing reaches a unit before a person accepted it and the speech's accepted items were
published: candidates are not items, and accepted ones are drafts until 发布.
All writes are keyword-only and atomic; assignments are made by tracker.services, so each
one has its 下达 history row.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from checklist import extract
from checklist.codes import next_item_code
from checklist.models import ChecklistItem, Directive, DirectiveCandidate, Source, Theme
from checklist.spans import trim
from checklist.titles import derive_title
from checklist.unit_match import normalise_name
from tracker import services
from tracker.models import Assignment, Unit, UnitAlias, User
from tracker.notices import items_publish
from tracker.services import WorkflowError
from tracker.unit_refs import unit_refs
from tracker.work_years import is_closed

logger = logging.getLogger(__name__)

Candidate = DirectiveCandidate
State = DirectiveCandidate.State
Role = Assignment.Role

HEADING_MAX = Directive._meta.get_field("heading_path").max_length
KEY_MAX = Source._meta.get_field("key").max_length
ALIAS_MAX = UnitAlias._meta.get_field("alias").max_length


def _require_office(user: User) -> None:
    if not (user and user.is_office):
        raise PermissionDenied("只有安委办可以审核讲话中的部署要求。")


# --- entering a speech ---------------------------------------------------------------------


def default_roles(named: Sequence[str], kinds: dict[str, str]) -> list[dict]:
    """Suggested roles for the units a sentence names: the first department leads (it is the
    one the office will hold answerable), every other unit is 责任. The office changes them."""
    suggested, lead_taken = [], False
    for name in dict.fromkeys(named):
        if name not in kinds:
            suggested.append({"unit": name, "role": Role.RESPONSIBLE})
            continue
        if kinds[name] == Unit.Kind.DEPARTMENT and not lead_taken:
            suggested.append({"unit": name, "role": Role.LEAD})
            lead_taken = True
        else:
            suggested.append({"unit": name, "role": Role.RESPONSIBLE})
    return suggested


def actor_entries(actors: Sequence[extract.Actor]) -> list[dict]:
    """The extractor's actors as stored on a candidate; unit is the unit's name or None."""
    return [
        {"name": a.name, "unit": a.unit, "group": a.group, "role": a.role} for a in actors if a.name
    ]


def _actor_key(entry: dict) -> str:
    # One party once, as the extractor counts them: by unit, else group, else name.
    return entry.get("unit") or entry.get("group") or entry.get("name") or ""


def _joined_actors(*lists: Sequence[dict]) -> list[dict]:
    seen, out = set(), []
    for entries in lists:
        for entry in entries:
            key = _actor_key(entry)
            if key in seen:
                continue
            seen.add(key)
            out.append(dict(entry))
    return out


def _unique_key(day: date) -> str:
    base = f"speech-{day:%Y%m%d}"
    taken = set(Source.objects.filter(key__startswith=base).values_list("key", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"[:KEY_MAX]


def _candidates_from(
    source: Source, found: Sequence[extract.ExtractedDirective], kinds: dict[str, str]
) -> list[Candidate]:
    """Rows for the extractor's directives, spans trimmed and clipped to the text, overlaps
    dropped (the first one wins), so the highlighted speech shows every character once."""
    text, rows, last_end = source.text, [], 0
    for found_one in sorted(found, key=lambda d: (d.start, d.end)):
        start, end = trim(text, max(found_one.start, 0), min(found_one.end, len(text)))
        if end <= start or start < last_end:
            continue
        last_end = end
        target = found_one.target_quantity
        if target is not None and (target <= 0 or not found_one.target_unit):
            target = None
        rows.append(
            Candidate(
                source=source,
                start=start,
                end=end,
                text=text[start:end],
                part=found_one.part,
                heading_path=" ".join(found_one.heading_path)[:HEADING_MAX],
                themes=list(dict.fromkeys(found_one.themes)),
                units=default_roles(found_one.units, kinds),
                groups=list(dict.fromkeys(found_one.unit_groups)),
                actors=actor_entries(found_one.actors),
                deadline=found_one.deadline,
                deadline_phrase=found_one.deadline_phrase[:40],
                immediate=found_one.immediate,
                target_quantity=target,
                target_unit=found_one.target_unit[:10] if target is not None else "",
            )
        )
    return rows


@transaction.atomic
def speech_create(
    *, user: User, title: str, speaker: str = "", day: date, text: str, at: datetime | None = None
) -> Source:
    """Store the speech and run extraction once; its directives become pending candidates."""
    _require_office(user)
    at = at or timezone.now()
    text = text.strip("\ufeff")
    if not text.strip():
        raise WorkflowError("讲话全文是空的，请粘贴全文或上传文件。")
    refs = unit_refs()
    try:
        found = extract.extract_directives(text, speech_date=day, units=refs)
    except Exception as exc:
        # The text must not be lost to a fault in the rules: the form shows it again.
        logger.exception("extraction failed for the speech %r", title)
        raise WorkflowError("自动识别部署要求时出错，讲话未保存，请稍后重试或联系管理员。") from exc
    for attempt in range(5):
        try:
            with transaction.atomic():
                source = Source.objects.create(
                    key=_unique_key(day),
                    title=title.strip(),
                    kind=Source.Kind.SPEECH,
                    speaker=speaker.strip(),
                    date=day,
                    text=text,
                    extracted_at=at,
                )
            break
        except IntegrityError:
            # Two speeches of the same day entered at the same moment: take the next key.
            if attempt == 4:
                raise
    kinds = {ref.key: ref.kind for ref in refs}
    Candidate.objects.bulk_create(_candidates_from(source, found, kinds))
    return source


# --- deciding on one candidate -------------------------------------------------------------


def _lock(candidate: Candidate) -> Candidate:
    return Candidate.objects.select_for_update().select_related("source").get(pk=candidate.pk)


def _require_pending(candidate: Candidate, verb: str) -> None:
    if candidate.state != State.PENDING:
        raise WorkflowError(f"该条{candidate.get_state_display()}，不能{verb}。请先恢复为待审。")


@transaction.atomic
def candidate_reject(*, candidate: Candidate, user: User, at: datetime | None = None) -> Candidate:
    """Not a directive (or not one for the checklist): it never creates anything."""
    _require_office(user)
    locked = _lock(candidate)
    _require_pending(locked, "驳回")
    locked.state = State.REJECTED
    locked.decided_by, locked.decided_at = user, at or timezone.now()
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def candidate_restore(*, candidate: Candidate, user: User) -> Candidate:
    """A rejected candidate goes back to 待审. An accepted one cannot: its draft item already has
    assignments whose 下达 history may never be deleted; edit the draft item instead."""
    _require_office(user)
    locked = _lock(candidate)
    if locked.state == State.ACCEPTED:
        raise WorkflowError(
            f"该条已接受为任务 {locked.item.code}，责任分解和办理记录不能撤销，不能恢复为待审。"
            "如需修改，请在管理后台编辑该任务（发布前各单位看不到）。"
        )
    if locked.state == State.PENDING:
        return locked
    locked.state = State.PENDING
    locked.decided_by, locked.decided_at = None, None
    locked.save(update_fields=["state", "decided_by", "decided_at"])
    return locked


def _next_candidate(locked: Candidate) -> Candidate | None:
    return (
        Candidate.objects.select_for_update()
        .filter(source_id=locked.source_id, start__gte=locked.end)
        .order_by("start")
        .first()
    )


@transaction.atomic
def candidate_merge_next(*, candidate: Candidate, user: User) -> Candidate:
    """Join a candidate with the one after it: the span runs from the first's start to the
    second's end, the text is the speech's own text between them, the labels are joined."""
    _require_office(user)
    locked = _lock(candidate)
    _require_pending(locked, "合并")
    following = _next_candidate(locked)
    if following is None:
        raise WorkflowError("这是最后一条，没有可以合并的下一条。")
    if following.state != State.PENDING:
        raise WorkflowError(f"下一条{following.get_state_display()}，只能合并两条待审的要求。")
    text = locked.source.text
    locked.end = following.end
    locked.text = text[locked.start : locked.end]
    locked.themes = list(dict.fromkeys([*locked.themes, *following.themes]))
    seen = {entry["unit"] for entry in locked.units}
    has_lead = any(entry["role"] == Role.LEAD for entry in locked.units)
    for entry in following.units:
        if entry["unit"] in seen:
            continue
        role = entry["role"]
        if role == Role.LEAD and has_lead:
            role = Role.RESPONSIBLE
        locked.units.append({"unit": entry["unit"], "role": role})
        has_lead = has_lead or role == Role.LEAD
    locked.groups = list(dict.fromkeys([*locked.groups, *following.groups]))
    locked.actors = _joined_actors(locked.actors, following.actors)
    if locked.deadline is None and not locked.immediate:
        locked.deadline, locked.deadline_phrase = following.deadline, following.deadline_phrase
        locked.immediate = following.immediate
    if locked.target_quantity is None:
        locked.target_quantity, locked.target_unit = (
            following.target_quantity,
            following.target_unit,
        )
    locked.title = ""  # derived again from the joined text
    following.delete()
    locked.save()
    return locked


@transaction.atomic
def candidate_split(*, candidate: Candidate, user: User, at: int) -> tuple[Candidate, Candidate]:
    """Cut a candidate in two at an offset of the speech; both halves stay 待审.

    The halves keep the labels; a deadline stays only with the half whose words set it.
    """
    _require_office(user)
    locked = _lock(candidate)
    _require_pending(locked, "拆分")
    text = locked.source.text
    first = trim(text, locked.start, at) if locked.start < at < locked.end else (0, 0)
    second = trim(text, at, locked.end) if locked.start < at < locked.end else (0, 0)
    if first[1] <= first[0] or second[1] <= second[0]:
        raise WorkflowError("拆分位置应在这条要求的文字中间，两段都不能为空。")
    rest = Candidate(
        source=locked.source,
        start=second[0],
        end=second[1],
        text=text[second[0] : second[1]],
        part=locked.part,
        heading_path=locked.heading_path,
        themes=list(locked.themes),
        units=[dict(entry) for entry in locked.units],
        groups=list(locked.groups),
        actors=[dict(entry) for entry in locked.actors],
        deadline=locked.deadline,
        deadline_phrase=locked.deadline_phrase,
        immediate=locked.immediate,
        target_quantity=locked.target_quantity,
        target_unit=locked.target_unit,
    )
    locked.start, locked.end = first
    locked.text = text[first[0] : first[1]]
    locked.title = ""
    phrase = locked.deadline_phrase
    if phrase and phrase in rest.text and phrase not in locked.text:
        locked.deadline, locked.deadline_phrase, locked.immediate = None, "", False
    elif phrase and phrase in locked.text and phrase not in rest.text:
        rest.deadline, rest.deadline_phrase, rest.immediate = None, "", False
    locked.save()
    rest.save()
    return locked, rest


# --- mapping an actor to a unit ------------------------------------------------------------


def unmatched(entry: dict) -> bool:
    """An actor that names a party but matched no unit; groups (各村, 各部门) are not."""
    return not entry.get("unit") and not entry.get("group")


def _alias_for(*, name: str, unit: Unit) -> UnitAlias | None:
    """The new alias ``name`` → ``unit``; None when the name already leads to that unit.

    Names are compared as the extractor reads them (县安监局 and 安监局 are one name), so a new
    alias can never send a name the office already settled to another unit."""
    if len(name) > ALIAS_MAX:
        raise WorkflowError(f"「{name}」超过 {ALIAS_MAX} 字，不能保存为别名。")
    plain = normalise_name(name)
    for other in Unit.objects.only("id", "name", "short_name"):
        if plain in {normalise_name(n) for n in (other.name, other.short_name) if n}:
            if other.pk == unit.pk:
                return None
            raise WorkflowError(
                f"「{name}」是单位「{other.name}」的名称，不能作为「{unit.name}」的别名。"
            )
    for alias in UnitAlias.objects.select_related("unit"):
        if normalise_name(alias.alias) == plain:
            if alias.unit_id == unit.pk:
                return None
            raise WorkflowError(
                f"别名「{alias.alias}」已属于「{alias.unit.name}」，不能再对应到「{unit.name}」。"
                "如需改正，请在管理后台修改单位别名。"
            )
    try:
        with transaction.atomic():
            return UnitAlias.objects.create(unit=unit, alias=name)
    except IntegrityError:
        # Saved by a colleague at the same moment: the page shows who has it after a reload.
        raise WorkflowError(f"别名「{name}」刚被保存过，请刷新页面后再试。") from None


@transaction.atomic
def candidate_actor_map(
    *, candidate: Candidate, user: User, name: str, unit: Unit
) -> tuple[Candidate, UnitAlias | None]:
    """The office says which unit an actor the extractor could not match is.

    The name becomes the unit's alias, so the next speech that names it matches it (the alias
    is the record of this decision; candidates keep no history). The unit joins the candidate
    with the actor's role (as 责任 when the candidate already has its 牵头), unless it is on
    it already, and the actor shows as matched. Returns the candidate and the new alias, or
    None when the name already led to that unit."""
    _require_office(user)
    locked = _lock(candidate)
    _require_pending(locked, "对应单位")
    entry = next(
        (e for e in locked.actors if e.get("name") == name and unmatched(e)),
        None,
    )
    if entry is None:
        raise WorkflowError(f"这一条没有未对应单位的「{name}」，可能已经对应过，请刷新页面。")
    if not unit.active:
        raise WorkflowError(f"单位「{unit.name}」已停用，不能对应。")
    alias = _alias_for(name=name, unit=unit)
    entry["unit"] = unit.name
    if all(e.get("unit") != unit.name for e in locked.units):
        role = entry.get("role") if entry.get("role") in Role.values else Role.RESPONSIBLE
        if role == Role.LEAD and any(e.get("role") == Role.LEAD for e in locked.units):
            role = Role.RESPONSIBLE
        locked.units.append({"unit": unit.name, "role": role})
    locked.save(update_fields=["actors", "units"])
    return locked, alias


# --- accepting -----------------------------------------------------------------------------


@dataclass
class Acceptance:
    """What the office settled for one candidate on the review page."""

    title: str
    theme: Theme
    lead: Unit | None = None
    responsible: Sequence[Unit] = ()
    cooperate: Sequence[Unit] = ()
    deadline: date | None = None  # None: 长期, reported by cadence
    cadence: str = ChecklistItem.Cadence.NONE
    cadence_day: int | None = None
    target_quantity: Decimal | None = None
    target_unit: str = ""
    # 分解数量: unit pk → its share of the target, for 牵头 and 责任 units only.
    shares: dict[int, Decimal] = field(default_factory=dict)


def start_date_for(source: Source) -> date:
    """Work ordered in a speech starts on the speech's day; entered without one, today."""
    return source.date or timezone.localdate()


def work_year_for(*, speech_date: date | None, deadline: date | None, today: date) -> int:
    """The 年度 an accepted item's work falls in; its 编号 is numbered in that year too.

    A speech given in the last quarter of its year (October to December) whose deadline is
    in the next year plans that year's work (a December meeting deploying next year's tasks):
    the item belongs to the deadline's year. Otherwise it belongs to the speech's year, and
    without a speech date to today's year. Long-term items (no deadline) stay in the speech's
    year.
    """
    if speech_date is None:
        return today.year
    if speech_date.month >= 10 and deadline and deadline.year == speech_date.year + 1:
        return deadline.year
    return speech_date.year


def _check(acceptance: Acceptance, start: date) -> None:
    if not acceptance.title.strip():
        raise WorkflowError("请填写任务名称。")
    roles: dict[int, str] = {}
    chosen = [(acceptance.lead, "牵头")] if acceptance.lead else []
    chosen += [(unit, "责任") for unit in acceptance.responsible]
    chosen += [(unit, "配合") for unit in acceptance.cooperate]
    if not chosen:
        raise WorkflowError("请至少填写一个牵头单位或责任单位。")
    if not acceptance.lead and not acceptance.responsible:
        raise WorkflowError("只有配合单位的任务不计入任何单位的完成率，请填写牵头或责任单位。")
    for unit, label in chosen:
        if not unit.active:
            raise WorkflowError(f"单位「{unit.name}」已停用，不能分解任务。")
        if unit.pk in roles and roles[unit.pk] != label:
            raise WorkflowError(
                f"「{unit.name}」同时填为{roles[unit.pk]}单位和{label}单位，请只保留一个。"
            )
        roles[unit.pk] = label
    if acceptance.deadline is None and acceptance.cadence == ChecklistItem.Cadence.NONE:
        raise WorkflowError("请填写完成时限，或选择长期并选择报送频次。")
    if acceptance.deadline is not None and acceptance.deadline < start:
        raise WorkflowError(f"完成时限不能早于开始日期 {start:%Y-%m-%d}（讲话日期）。")
    if (acceptance.target_quantity is None) != (not acceptance.target_unit.strip()):
        raise WorkflowError("目标数量和计量单位要一起填写（如 40 家），或都不填。")
    if acceptance.target_quantity is not None and acceptance.target_quantity <= 0:
        raise WorkflowError("目标数量应大于 0。")
    if acceptance.shares:
        counted = {unit.pk for unit, label in chosen if label != "配合"}
        if not counted >= set(acceptance.shares):
            raise WorkflowError("分解数量只能分给本任务的牵头单位和责任单位。")


def _directive_for(candidate: Candidate, theme: Theme) -> Directive:
    directive, _ = Directive.objects.get_or_create(
        source=candidate.source,
        start=candidate.start,
        defaults={
            "end": candidate.end,
            "text": candidate.text,
            "part": candidate.part,
            "heading_path": candidate.heading_path,
        },
    )
    named = Theme.objects.filter(name__in=candidate.themes)
    directive.themes.add(theme, *named)
    return directive


def _create_item(fields: dict, year: int) -> ChecklistItem:
    for _attempt in range(20):
        try:
            with transaction.atomic():
                return ChecklistItem.objects.create(code=next_item_code(year), year=year, **fields)
        except IntegrityError:
            # Another accept took the same 编号 at the same moment; the next one is free.
            continue
    raise WorkflowError("生成任务编号冲突，请重试。")


@transaction.atomic
def candidate_accept(
    *,
    candidate: Candidate,
    user: User,
    acceptance: Acceptance,
    at: datetime | None = None,
) -> ChecklistItem:
    """A person accepts a candidate: a draft item with its directive and units, each assignment
    with its 下达 history row. Units see it only once the speech's items are published.

    The item's 年度 (and its 编号's year) is ``work_year_for`` the speech date and deadline."""
    _require_office(user)
    at = at or timezone.now()
    locked = _lock(candidate)
    _require_pending(locked, "接受")
    source = locked.source
    start = start_date_for(source)
    _check(acceptance, start)
    year = work_year_for(
        speech_date=source.date, deadline=acceptance.deadline, today=timezone.localdate(at)
    )
    if is_closed(year):
        raise WorkflowError(f"{year}年度已归档，不能再接受为该年度的任务。")
    directive = _directive_for(locked, acceptance.theme)
    item = _create_item(
        {
            "title": acceptance.title.strip()[:300],
            "theme": acceptance.theme,
            "directive": directive,
            "start_date": start,
            "deadline": acceptance.deadline,
            "cadence": acceptance.cadence,
            "cadence_day": acceptance.cadence_day,
            "target_quantity": acceptance.target_quantity,
            "target_unit": acceptance.target_unit.strip() if acceptance.target_quantity else "",
            "state": ChecklistItem.State.DRAFT,
        },
        year=year,
    )
    given = [(acceptance.lead, Role.LEAD)] if acceptance.lead else []
    given += [(unit, Role.RESPONSIBLE) for unit in acceptance.responsible]
    given += [(unit, Role.COOPERATE) for unit in acceptance.cooperate]
    done: set[int] = set()
    for unit, role in given:
        if unit.pk in done:
            continue
        done.add(unit.pk)
        services.assignment_create(
            item=item,
            unit=unit,
            user=user,
            role=role,
            share_quantity=acceptance.shares.get(unit.pk) if role != Role.COOPERATE else None,
            at=at,
            note=f"下达给{unit.name}（{Role(role).label}），来自「{source.title}」",
        )
    locked.state = State.ACCEPTED
    locked.item = item
    locked.title = item.title
    locked.decided_by, locked.decided_at = user, at
    locked.save(update_fields=["state", "item", "title", "decided_by", "decided_at"])
    return item


# --- publishing ----------------------------------------------------------------------------


@transaction.atomic
def speech_publish(*, source: Source, user: User, at: datetime | None = None) -> int:
    """Publish every accepted draft item of the speech at once; pending and rejected
    candidates have no item, so nothing else can reach the units. Returns how many."""
    _require_office(user)
    items = ChecklistItem.objects.filter(
        candidate__source=source,
        candidate__state=State.ACCEPTED,
        state=ChecklistItem.State.DRAFT,
    )
    return items_publish(items=list(items), at=at)


def title_for(candidate: Candidate) -> str:
    return candidate.title or derive_title(
        candidate.text, deadline_phrase=candidate.deadline_phrase
    )
