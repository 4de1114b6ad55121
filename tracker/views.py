from django.shortcuts import render

from tracker.selectors import assignments_for_user


def home(request):
    assignments = (
        assignments_for_user(request.user)
        .select_related("item", "item__theme", "unit")
        .order_by("due_date", "item__code")[:50]
    )
    return render(request, "tracker/home.html", {"assignments": assignments})
