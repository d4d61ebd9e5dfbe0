from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class PartnerportalConfig(AppConfig):
    """Shared project package: middleware, tenancy helpers, template tags (no models)."""

    default = True
    name = "partnerportal"


class PortalAdminConfig(admin_apps.AdminConfig):
    """The Django admin, using the MFA-guarded site."""

    default = False
    default_site = "partnerportal.admin_site.PortalAdminSite"
