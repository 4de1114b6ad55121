"""The 隐患台账's pages: the register, a hazard with its history and the forms of its next
steps, recording one on a phone, and an inspection's hazards taken over in one step."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker import services as core_services
from tracker.enterprises import selectors as registers_selectors
from tracker.hazards import forms, permissions, selectors, services
from tracker.hazards.models import Hazard
from tracker.views.evidence import INLINE_IMAGES

PAGE_SIZE = 25


class UncountedPage:
    """A page of a keyword search: its rows and whether a next page exists, found by reading one
    row more than the page holds. Counting every match would read the register once more."""

    def __init__(self, object_list, number: int, has_next: bool):
        self.object_list, self.number, self._has_next = object_list, number, has_next

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self):
        return self._has_next

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def register_page(hazards, number, *, counted: bool = True):
    """The page's ids first (the indexes hold what the filters and the order need, so this reads
    no rows), then the 25 rows themselves with what the page shows."""
    ids = hazards.values_list("pk", flat=True)
    if counted:
        page = Paginator(ids, PAGE_SIZE).get_page(number)
    else:
        number = int(number) if str(number or "").isdigit() and int(number) > 0 else 1
        found = list(ids[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
        page = UncountedPage(found[:PAGE_SIZE], number, has_next=len(found) > PAGE_SIZE)
    wanted = list(page.object_list)
    rows = Hazard.objects.select_related("enterprise", "township", "industry").in_bulk(wanted)
    page.object_list = [rows[pk] for pk in wanted]
    return page


def hazard_list(request):
    today = timezone.localdate()
    filterset = selectors.hazard_list(request.user, request.GET, today=today)
    # A keyword search is paged without a total (see UncountedPage).
    keyword = bool(request.GET.get("q", "").strip())
    page = register_page(filterset.qs, request.GET.get("page"), counted=not keyword)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "page": page,
        "counted": not keyword,
        "query": query.urlencode(),
        "today": today,
        "can_record": permissions.may_record(request.user),
        "can_import": permissions.may_import(request.user),
    }
    return render(request, "hazards/hazard_list.html", context)


ACTIONS = {
    "plan": forms.PlanForm,
    "submit": forms.SubmitForm,
    "accept": forms.AcceptForm,
    "return": forms.ReasonForm,
    "defer": forms.DeferForm,
    "review": forms.ReasonForm,
    "resume": forms.ReasonForm,
    "list": forms.ListForm,
    "delist": forms.DelistForm,
    "urge": forms.ReasonForm,
    "void": forms.ReasonForm,
}


def _actions_for(user, hazard: Hazard, today) -> list[str]:
    """The next steps this user may take on this hazard, in the order of the work."""
    if hazard.voided:
        return []
    found = []
    s = Hazard.State
    if permissions.may_rectify(user, hazard):
        if hazard.state in (s.PENDING, s.FIXING):
            found += ["plan"]
        if hazard.state == s.FIXING:
            found += ["submit"]
        if hazard.state in (s.PENDING, s.FIXING):
            found += ["defer"]
        if hazard.state == s.DEFERRED:
            found += ["review", "resume"]
    if permissions.may_accept(user, hazard) and hazard.state == s.REVIEW:
        found += ["accept", "return"]
    if permissions.may_supervise(user):
        if hazard.level == "major" and not hazard.is_listed and hazard.state != s.CLOSED:
            found += ["list"]
        if hazard.is_listed and hazard.state == s.CLOSED:
            found += ["delist"]
        if hazard.is_open:
            found += ["urge"]
        found += ["void"]
    return found


ACTION_LABELS = {
    "plan": "落实整改（五落实）", "submit": "提交验收", "accept": "验收销号",
    "return": "验收不通过，退回整改", "defer": "挂账", "review": "挂账复核",
    "resume": "恢复整改", "list": "挂牌督办", "delist": "摘牌", "urge": "催办", "void": "作废",
}  # fmt: skip


def _initial(action, hazard, today):
    if action == "plan":
        return {
            "measures": hazard.measures, "responsible": hazard.responsible,
            "funds": hazard.funds, "deadline": hazard.deadline, "contingency": hazard.contingency,
        }  # fmt: skip
    if action in ("accept",):
        return {"accepted_on": today}
    if action == "list":
        return {"listed_on": today, "level": "county"}
    if action == "delist":
        return {"delisted_on": today}
    return {}


def _detail(request, hazard, *, bound=None, status=200):
    today = timezone.localdate()
    actions = []
    for name in _actions_for(request.user, hazard, today):
        if bound and bound[0] == name:
            form = bound[1]
        else:
            form = ACTIONS[name](initial=_initial(name, hazard, today), prefix=name)
        actions.append({"name": name, "label": ACTION_LABELS[name], "form": form})
    context = {
        "hazard": hazard,
        "history": selectors.history_of(hazard),
        "photos": list(hazard.photos.order_by("id")),
        "actions": actions,
        "open_action": bound[0] if bound else "",
        "overdue": hazard.overdue_on(today),
        "today": today,
    }
    return render(request, "hazards/hazard_detail.html", context, status=status)


def hazard_detail(request, pk):
    hazard = selectors.get_hazard_for_user(request.user, pk)
    return _detail(request, hazard)


def _run(action, *, user, hazard, data, today):
    call = {
        "plan": lambda: services.hazard_plan(user=user, hazard=hazard, **data),
        "submit": lambda: services.hazard_submit(
            user=user, hazard=hazard, note=data["note"], photos=data["photos"], today=today
        ),
        "accept": lambda: services.hazard_accept(
            user=user,
            hazard=hazard,
            accepted_on=data["accepted_on"],
            signer=data["signer"],
            photos=data["photos"],
            today=today,
        ),  # fmt: skip
        "return": lambda: services.hazard_return(user=user, hazard=hazard, reason=data["reason"]),
        "defer": lambda: services.hazard_defer(
            user=user, hazard=hazard, reason=data["reason"], interim=data["interim"], today=today
        ),
        "review": lambda: services.hazard_review_deferred(
            user=user, hazard=hazard, note=data["reason"], today=today
        ),
        "resume": lambda: services.hazard_resume(user=user, hazard=hazard, note=data["reason"]),
        "list": lambda: services.hazard_list(
            user=user,
            hazard=hazard,
            level=data["level"],
            doc=data["doc"],
            listed_on=data["listed_on"],
        ),  # fmt: skip
        "delist": lambda: services.hazard_delist(
            user=user, hazard=hazard, delisted_on=data["delisted_on"]
        ),
        "urge": lambda: services.hazard_urge(user=user, hazard=hazard, note=data["reason"]),
        "void": lambda: services.hazard_void(user=user, hazard=hazard, reason=data["reason"]),
    }
    return call[action]()


@require_POST
def hazard_action(request, pk, action):
    hazard = selectors.get_hazard_for_user(request.user, pk)
    if action not in ACTIONS:
        raise Http404("没有这个操作")
    today = timezone.localdate()
    form = ACTIONS[action](request.POST, request.FILES, prefix=action)
    status = 400
    if form.is_valid():
        try:
            _run(action, user=request.user, hazard=hazard, data=form.cleaned_data, today=today)
        except core_services.StorageFullError as exc:
            form.add_error(None, str(exc))
            status = 507
        except (services.HazardError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
            status = 403 if isinstance(exc, PermissionDenied) else 400
        else:
            messages.success(request, f"{ACTION_LABELS[action]}：已保存。")
            return redirect("hazards:hazard_detail", pk=hazard.pk)
    hazard = selectors.get_hazard_for_user(request.user, pk)
    return _detail(request, hazard, bound=(action, form), status=status)


def hazard_new(request):
    if not permissions.may_record(request.user):
        raise PermissionDenied("领导账号只能查看，不能登记隐患。")
    enterprise = None
    raw = request.POST.get("enterprise") or request.GET.get("enterprise")
    if raw:
        enterprise = registers_selectors.get_enterprise_for_user(request.user, raw)
    today = timezone.localdate()
    user = request.user
    default_source = "grid" if user.role == "grid" else "department"
    if request.method != "POST":
        form = forms.HazardForm(
            initial={"found_on": today, "source": default_source,
                     "enterprise": enterprise.pk if enterprise else None}
        )  # fmt: skip
        return render(request, "hazards/hazard_form.html", {"form": form, "enterprise": enterprise})
    form = forms.HazardForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        township = None if enterprise else user.unit
        try:
            if enterprise is None and (user.sees_all_units or user.unit is None):
                raise services.HazardError("请从企业页面登记，或由乡镇（街道）登记无企业的隐患。")
            hazard = services.hazard_record(
                user=user, enterprise=enterprise, township=township,
                grid=_own_grid(user) if enterprise is None else None,
                found_on=data["found_on"], source=data["source"],
                description=data["description"], location=data["location"],
                category=data["category"], level=data["level"], basis=data["basis"],
                photos=data["photos"], today=today,
            )  # fmt: skip
        except core_services.StorageFullError as exc:
            form.add_error(None, str(exc))
            status = 507
        except (services.HazardError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已登记隐患 {hazard.number}。")
            return redirect("hazards:hazard_detail", pk=hazard.pk)
    context = {"form": form, "enterprise": enterprise}
    return render(request, "hazards/hazard_form.html", context, status=status)


def _own_grid(user):
    """A 网格员's place hazard goes to their (first) own grid."""
    if user.role != "grid":
        return None
    ids = registers_selectors.own_grid_ids(user)
    from tracker.enterprises.models import Grid

    return Grid.objects.filter(pk__in=ids).order_by("level", "pk").first()


@require_POST
def inspection_convert(request, pk):
    """An inspection's found hazards become register rows in one step."""
    from tracker.enterprises.models import Inspection

    try:
        inspection = Inspection.objects.select_related("enterprise").get(
            pk=pk, enterprise__in=registers_selectors.enterprises_for_user(request.user)
        )
    except (Inspection.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该巡查记录") from None
    if not permissions.may_record(request.user):
        raise PermissionDenied("领导账号只能查看，不能登记隐患。")
    made = services.hazards_from_inspection(user=request.user, inspection=inspection)
    if made:
        messages.success(request, f"已将该次巡查发现的 {len(made)} 处隐患登记入隐患台账。")
    else:
        messages.info(request, "该次巡查发现的隐患都已在隐患台账中。")
    return redirect(reverse("hazards:hazard_list") + f"?q={inspection.enterprise.name}")


def photo_download(request, pk):
    photo = selectors.get_photo_for_user(request.user, pk)
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404("照片已不在存储中，请联系安委办。") from None
    looks_like = INLINE_IMAGES.get(photo.content_type)
    head = handle.read(16)
    handle.seek(0)
    inline = looks_like is not None and looks_like(head)
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=photo.original_name,
        content_type=photo.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
