"""API routes of the antifraud app under /api/antifraud/."""

urlpatterns: list = []
