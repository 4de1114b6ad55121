"""巡查检查: pick an enterprise by a few characters of its name, record the inspection, and
send its photos to those who may see the enterprise."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from tracker import services as core_services
from tracker.enterprises import permissions, selectors, services
from tracker.enterprises.periods import quarter_of
from tracker.enterprises.views.register import inspection_form_for
from tracker.views.evidence import INLINE_IMAGES


def _require_writer(user):
    if not permissions.may_write(user):
        raise PermissionDenied("领导账号只能查看，不能录入巡查记录。")


def inspect_pick(request):
    """Type a few characters of the name: the user's own enterprises that match."""
    _require_writer(request.user)
    text = request.GET.get("q", "")
    found = selectors.search_own(request.user, text)
    context = {"q": text.strip()[:50], "found": found, "quarter": quarter_of(timezone.localdate())}
    return render(request, "enterprises/inspect_pick.html", context)


def _after(request, enterprise) -> str:
    if permissions.is_grid_member(request.user):
        return reverse("enterprises:grid_home")
    return reverse("enterprises:enterprise_detail", args=[enterprise.pk])


def inspection_new(request, pk):
    _require_writer(request.user)
    # 404 for an enterprise the user does not see: another township's is not even named.
    enterprise = selectors.get_enterprise_for_user(request.user, pk)
    if request.method != "POST":
        form = inspection_form_for(request, enterprise)
        return render(
            request, "enterprises/inspection_form.html", {"enterprise": enterprise, "form": form}
        )
    form = inspection_form_for(request, enterprise, request.POST, request.FILES)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_record(
                user=request.user,
                enterprise=enterprise,
                inspected_on=data["inspected_on"],
                result=data["result"],
                hazards=form.hazard_lines(),
                signature=data["signature"],
                note=data["note"],
                photos=data["photos"],
                today=timezone.localdate(),
            )
        except core_services.StorageFullError as exc:
            form.add_error(None, str(exc))
            status = 507
        except (services.RegisterError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            found = (
                f"发现隐患 {inspection.hazard_count} 处"
                if inspection.hazard_count
                else "未发现问题"
            )
            messages.success(
                request,
                f"已记录 {enterprise.name} {inspection.inspected_on:%m月%d日} 的巡查：{found}。",
            )
            return redirect(_after(request, enterprise))
    context = {"enterprise": enterprise, "form": form}
    return render(request, "enterprises/inspection_form.html", context, status=status)


def photo_download(request, pk):
    photo = selectors.get_inspection_photo_for_user(request.user, pk)
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
