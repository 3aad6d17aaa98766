"""/api/registry/… (included from fengqiao/api_urls.py)."""

from rest_framework.routers import DefaultRouter

from fengqiao.registry.api import views

app_name = "registry-api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("communities", views.CommunityViewSet, basename="community")
router.register("liaison-points", views.LiaisonPointViewSet, basename="liaison-point")
router.register("addresses", views.AddressViewSet, basename="address")
router.register("houses", views.HouseViewSet, basename="house")
router.register("persons", views.PersonViewSet, basename="person")
router.register("organisations", views.OrganisationViewSet, basename="organisation")

urlpatterns = router.urls
