from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Partner organizations (the tenants), memberships, tiers and program rules."""

    name = "partners"

    def ready(self) -> None:
        from allauth.mfa import signals as mfa_signals

        from partners.auth import record_mfa_on_activation

        mfa_signals.authenticator_added.connect(
            record_mfa_on_activation, dispatch_uid="partners_mfa_activation"
        )
