"""API routes of the vehicles app under /api/vehicles/."""

urlpatterns: list = []
