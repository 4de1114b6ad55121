def notices(request):
    """The bell's unread count, on every page for a signed-in user (one query)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    from tracker.views.notices import unread_count

    return {"unread_notices": unread_count(user)}
