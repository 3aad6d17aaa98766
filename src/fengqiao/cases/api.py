"""API routes of the cases app under /api/cases/."""

urlpatterns: list = []
