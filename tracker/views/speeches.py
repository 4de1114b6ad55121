"""讲话分解: enter a speech, review what extraction proposed, publish what the office accepted.

The office writes; leaders read the same pages without forms; unit staff never see a speech
under review (404), and the list and the entry page refuse them (403).
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from checklist.models import DirectiveCandidate, Theme
from checklist.spans import SplitPoint, pieces, split_points
from tracker import security, selectors, speech_review
from tracker.excel.task_sheet import UnitIndex
from tracker.models import Assignment
from tracker.services import WorkflowError
from tracker.speech_forms import (
    ALL_TOWNSHIPS,
    ActorView,
    CandidateForm,
    FieldView,
    SpeechForm,
    SplitForm,
    actor_views,
    deadline_source,
    deadline_warnings,
    field_views,
    group_hints,
    initial_for,
    unresolved_names,
)

State = DirectiveCandidate.State
STATE_LABELS = {**dict(State.choices), "published": "已发布"}
# Candidates with their forms per page; every candidate is still highlighted in the speech.
PER_PAGE = 20


def speech_list(request):
    if not request.user.sees_all_units:
        raise PermissionDenied("只有安委办和领导可以查看讲话分解。")
    return render(
        request,
        "tracker/speech_list.html",
        {"speeches": selectors.speeches_for_user(request.user), "can_edit": request.user.is_office},
    )


def speech_new(request):
    if not request.user.is_office:
        raise PermissionDenied("只有安委办可以录入讲话。")
    if request.method != "POST":
        form = SpeechForm(initial={"day": timezone.localdate()})
        return render(request, "tracker/speech_new.html", {"form": form})
    form = SpeechForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            speech = speech_review.speech_create(
                user=request.user,
                title=data["title"],
                speaker=data["speaker"],
                day=data["day"],
                text=data["speech"],
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            found = speech.candidates.count()
            messages.success(
                request,
                f"已录入「{speech.title}」，识别出 {found} 条部署要求，请逐条审核；"
                "接受并发布之前，各单位看不到任何内容。",
            )
            return redirect("speech_review", pk=speech.pk)
    return render(request, "tracker/speech_new.html", {"form": form}, status=400)


@dataclass
class CandidateRow:
    candidate: DirectiveCandidate
    number: int
    page: int
    title: str
    shown_state: str  # pending / accepted / rejected / published
    form: CandidateForm | None = None
    fields: dict[str, FieldView] = field(default_factory=dict)
    splits: list[SplitPoint] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    actors: list[ActorView] = field(default_factory=list)
    has_next: bool = False
    assigned: list[str] = field(default_factory=list)  # "城关镇（责任）" for an accepted one
    deadline_source: str = ""  # "时限原文：6月底前 → 2027-06-30"
    deadline_warnings: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.shown_state]

    @property
    def unmatched_actors(self) -> list[ActorView]:
        return [actor for actor in self.actors if actor.unmatched]


def _shown_state(candidate: DirectiveCandidate) -> str:
    if candidate.state == State.ACCEPTED and candidate.item.state == "published":
        return "published"
    return candidate.state


def _review(request, speech, *, bound: dict | None = None, page: int | None = None, status=200):
    """The speech with every candidate highlighted, and one page of candidates with their forms.

    Forms are built only for the page shown: a long speech has hundreds of candidates, and a
    page with every form would be megabytes and seconds to render.
    """
    bound = bound or {}
    today = timezone.localdate()
    can_edit = request.user.is_office
    candidates = list(selectors.candidates_of(speech))
    units = UnitIndex()
    kinds = {unit.name: unit.kind for group in units.groups.values() for unit in group}
    kinds.update({name: "other" for name in units.names if name not in kinds})
    themes = list(Theme.objects.filter(active=True))
    start = speech_review.start_date_for(speech)
    rows = [
        CandidateRow(
            candidate=candidate,
            number=number,
            page=(number - 1) // PER_PAGE + 1,
            title=speech_review.title_for(candidate),
            shown_state=_shown_state(candidate),
            has_next=number < len(candidates),
        )
        for number, candidate in enumerate(candidates, start=1)
    ]
    shown = Paginator(rows, PER_PAGE).get_page(page or request.GET.get("page"))
    assigned = _assigned_units([row.candidate.item_id for row in shown if row.candidate.item_id])
    for row in shown:
        candidate = row.candidate
        row.hints = group_hints(candidate)
        row.unresolved = unresolved_names(candidate, kinds)
        row.actors = actor_views(candidate, units)
        row.assigned = assigned.get(candidate.item_id, [])
        row.deadline_source = deadline_source(candidate)
        if can_edit and candidate.state == State.PENDING:
            row.form = bound.get(candidate.pk) or CandidateForm(
                prefix=f"c{candidate.pk}",
                initial=initial_for(candidate, themes=themes, kinds=kinds),
                themes=themes,
                units=units,
                start=start,
            )
            row.fields = field_views(row.form)
            if not row.fields["long_term"].checked:
                row.deadline_warnings = deadline_warnings(
                    row.fields["deadline"].value, speech_date=speech.date, today=today
                )
            row.splits = split_points(speech.text, candidate.start, candidate.end)
    context = {
        "speech": speech,
        "rows": rows,
        "page": shown,
        "highlighted": _highlighted(speech.text, rows, shown.number),
        "can_edit": can_edit,
        "unit_names": units.names,
        "all_townships_label": ALL_TOWNSHIPS,
        "start": start,
    }
    return render(request, "tracker/speech_review.html", context, status=status)


def _assigned_units(item_ids: list[int]) -> dict[int, list[str]]:
    """Each accepted item's units with their roles, lead first, in one query for the page."""
    rank = {role: n for n, role in enumerate(Assignment.Role.values)}  # 牵头, 责任, 配合
    rows = sorted(
        Assignment.objects.filter(item_id__in=item_ids).select_related("unit"),
        key=lambda a: (rank[a.role], a.unit.kind, a.unit.sort_order, a.unit.name),
    )
    assigned: dict[int, list[str]] = {}
    for assignment in rows:
        label = f"{assignment.unit.label}（{assignment.get_role_display()}）"
        assigned.setdefault(assignment.item_id, []).append(label)
    return assigned


def _highlighted(text: str, rows: list[CandidateRow], page: int) -> str:
    """The speech as HTML, each candidate a <mark> linking to its form (on its page).

    Built here rather than in a template loop: a long speech has hundreds of marks, and the
    template engine took most of the page's time for them.
    """
    by_id = {row.candidate.pk: row for row in rows}
    spans = ((row.candidate.start, row.candidate.end, row.candidate.pk) for row in rows)
    html = []
    for piece in pieces(text, spans):
        row = by_id.get(piece.key)
        if row is None:
            html.append(escape(piece.text))
            continue
        pk = row.candidate.pk
        where = "" if row.page == page else f"?page={row.page}"
        html.append(
            f'<mark id="m{pk}" class="cand-{row.shown_state}"><a href="{where}#c{pk}" '
            f'title="第{row.number}条 · {STATE_LABELS[row.shown_state]}">'
            f"{escape(piece.text)}</a></mark>"
        )
    return mark_safe("".join(html))  # every piece of text is escaped above


def speech_review_page(request, pk):
    speech = selectors.get_speech_for_user(request.user, pk)
    return _review(request, speech)


def _page_of(candidate: DirectiveCandidate) -> int:
    before = DirectiveCandidate.objects.filter(
        source_id=candidate.source_id, start__lt=candidate.start
    ).count()
    return before // PER_PAGE + 1


def _back(candidate: DirectiveCandidate):
    """Back to the review page that shows the candidate, scrolled to it."""
    url = reverse("speech_review", args=[candidate.source_id])
    return redirect(f"{url}?page={_page_of(candidate)}#c{candidate.pk}")


def _refuse_unless_office(request):
    if not request.user.is_office:
        return HttpResponseForbidden("只有安委办可以审核讲话中的部署要求。")
    return None


@require_POST
def candidate_accept(request, pk, cid):
    candidate = selectors.get_candidate_for_user(request.user, pk, cid)
    if refused := _refuse_unless_office(request):
        return refused
    speech = candidate.source
    form = CandidateForm(
        request.POST,
        prefix=f"c{candidate.pk}",
        themes=list(Theme.objects.filter(active=True)),
        units=UnitIndex(),
        start=speech_review.start_date_for(speech),
    )
    if form.is_valid():
        try:
            item = speech_review.candidate_accept(
                candidate=candidate, user=request.user, acceptance=form.acceptance()
            )
        except WorkflowError as exc:
            candidate.refresh_from_db()
            if candidate.state != State.PENDING:
                # Decided meanwhile (another tab, a colleague): the page has no form to show it on.
                messages.error(request, str(exc))
                return _back(candidate)
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"已接受为草稿任务 {item.code}「{item.title}」，"
                f"分解给 {item.assignments.count()} 个单位；发布前各单位看不到。",
            )
            return _back(candidate)
    speech = selectors.get_speech_for_user(request.user, pk)
    return _review(
        request, speech, bound={candidate.pk: form}, page=_page_of(candidate), status=400
    )


def _simple(request, pk, cid, action, done: str):
    candidate = selectors.get_candidate_for_user(request.user, pk, cid)
    if refused := _refuse_unless_office(request):
        return refused
    try:
        result = action(candidate=candidate, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return _back(candidate)
    messages.success(request, done)
    return _back(result if isinstance(result, DirectiveCandidate) else candidate)


@require_POST
def candidate_reject(request, pk, cid):
    return _simple(request, pk, cid, speech_review.candidate_reject, "已驳回，这一条不会生成任务。")


@require_POST
def candidate_restore(request, pk, cid):
    return _simple(request, pk, cid, speech_review.candidate_restore, "已恢复为待审。")


@require_POST
def candidate_merge(request, pk, cid):
    return _simple(
        request, pk, cid, speech_review.candidate_merge_next, "已与下一条合并，请核对合并后的内容。"
    )


@require_POST
def candidate_split(request, pk, cid):
    candidate = selectors.get_candidate_for_user(request.user, pk, cid)
    if refused := _refuse_unless_office(request):
        return refused
    form = SplitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择拆分位置。")
        return _back(candidate)
    try:
        first, _rest = speech_review.candidate_split(
            candidate=candidate, user=request.user, at=form.cleaned_data["at"]
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return _back(candidate)
    messages.success(request, "已拆分为两条，都仍为待审。")
    return _back(first)


@require_POST
def candidate_alias(request, pk, cid):
    """Map an actor the extractor could not match to a unit in one click, and keep the name as
    the unit's alias for the next speech. The unit is typed as anywhere else: 全称、简称或旧称."""
    candidate = selectors.get_candidate_for_user(request.user, pk, cid)
    if refused := _refuse_unless_office(request):
        return refused
    name = request.POST.get("actor", "").strip()
    typed = request.POST.get("unit", "").strip()
    if not typed:
        messages.error(request, f"请填写「{name}」对应的单位。")
        return _back(candidate)
    unit = UnitIndex().find(typed)
    if unit is None:
        messages.error(
            request, f"没有找到单位「{typed}」，请从列表中选择，或填写全称、简称或旧称。"
        )
        return _back(candidate)
    try:
        candidate, alias = speech_review.candidate_actor_map(
            candidate=candidate, user=request.user, name=name, unit=unit
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return _back(candidate)
    if alias is not None:
        security.log_event(
            request,
            "unit_alias_create",
            "success",
            alias=alias.alias,
            unit=unit.name,
            speech=candidate.source_id,
            candidate=candidate.pk,
        )
        messages.success(
            request,
            f"「{name}」已对应到{unit.name}，并保存为别名：以后的讲话会自动识别。",
        )
    else:
        messages.success(request, f"「{name}」已对应到{unit.name}。")
    return _back(candidate)


@require_POST
def speech_publish(request, pk):
    speech = selectors.get_speech_for_user(request.user, pk)
    if refused := _refuse_unless_office(request):
        return refused
    count = speech_review.speech_publish(source=speech, user=request.user)
    if count:
        messages.success(request, f"已发布 {count} 项任务，各责任单位现在可以在“我的任务”中看到。")
    else:
        messages.warning(request, "没有待发布的任务：请先接受需要下达的部署要求。")
    return redirect("speech_review", pk=speech.pk)
