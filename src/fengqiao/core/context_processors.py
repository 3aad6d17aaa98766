from django.conf import settings

from fengqiao.core.navigation import navigation_for


def shell(request):
    user = getattr(request, "user", None)
    return {
        "nav_sections": navigation_for(user) if user is not None and user.is_authenticated else [],
        "map_tile_url": settings.MAP_TILE_URL,
        "push_url": settings.PUSH_URL,
    }
