"""Deal registration API: list, create, retrieve, submit, withdraw; scoped to the caller's
organization through the same selectors and services as the pages."""

import hashlib

from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from leads import selectors, services
from leads.choices import CURRENCY_CHOICES, currency_code
from leads.filters import DealFilter
from leads.forms import DealForm
from leads.models import Deal, Product
from leads.normalize import country_code
from partnerportal.api import IsPartnerMember
from partnerportal.versions import DEAL_ROWS, cached, data_version

READ_ONLY_FIELDS = [
    "id", "reference", "status", "source", "norm_company", "norm_domain", "norm_email",
    "norm_phone", "norm_country", "created_at", "updated_at", "submitted_at",
    "screening_started_at", "screening_finished_at", "withdrawn_at",
    # After the decision: when it was taken and how long the deal stays protected. The
    # stage is `status`; what sales recorded (amount, loss reason) stays with the vendor.
    "decided_at", "protected_until",
]


# A kept page of the list is only read until the next change of a deal: old entries go soon.
LIST_TIMEOUT = 10 * 60


class CurrencyField(serializers.ChoiceField):
    """An ISO 4217 code; lower case is taken ("eur" is EUR), anything else refused by name
    (never cut to three letters)."""

    default_error_messages = {
        "invalid_choice": gettext_lazy(
            "“{input}” is not an ISO 4217 currency code such as USD or EUR."),
    }

    def __init__(self, **kwargs):
        super().__init__(choices=CURRENCY_CHOICES, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = currency_code(data) or data.strip()[:40]
        return super().to_internal_value(data)


class DealSerializer(serializers.ModelSerializer):
    """A deal registration. Write fields are validated by the same rules as the web form."""

    reference = serializers.CharField(read_only=True)
    products = serializers.SlugRelatedField(
        slug_field="sku", many=True, required=False, queryset=Product.objects.filter(active=True)
    )
    country = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text=_("ISO 3166 code (DE, DEU) or English name (Germany)."),
    )
    currency = CurrencyField(required=False, help_text=_("ISO 4217 code, such as USD or EUR."))
    submit = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text=_("Submit for screening right away instead of saving a draft."),
    )

    class Meta:
        model = Deal
        fields = READ_ONLY_FIELDS + [f for f in services.EDITABLE_FIELDS] + ["products", "submit"]
        read_only_fields = READ_ONLY_FIELDS

    def to_representation(self, instance: Deal) -> dict:
        """DRF's `to_representation`, with a shorter path for the deal's own columns (a
        plain attribute read instead of DRF's generic look-up per field and row, most of a
        list page's time); relations (products) go the generic way."""
        plan = self._representation_plan()
        data = {}
        for name, field, attname in plan:
            if attname is None:
                attribute = field.get_attribute(instance)
            else:
                attribute = getattr(instance, attname)
            data[name] = None if attribute is None else field.to_representation(attribute)
        data["country"] = str(instance.country or "")
        return data

    def _representation_plan(self) -> list[tuple[str, serializers.Field, str | None]]:
        """(name, field, attribute or None) of each readable field, once per serializer."""
        plan = getattr(self, "_plan", None)
        if plan is None:
            columns = {f.name: f.attname for f in Deal._meta.concrete_fields
                       if not f.is_relation}
            columns["reference"] = "reference"
            plan = self._plan = [
                (field.field_name, field,
                 columns.get(field.source) if field.source_attrs == [field.source] else None)
                for field in self._readable_fields]
        return plan

    def validate_country(self, value: str) -> str:
        code = country_code(value)
        if code is None:
            raise serializers.ValidationError(
                _("Not a country: give an ISO 3166 code (DE) or an English name (Germany)."))
        return code

    def validate(self, attrs: dict) -> dict:
        """Run the web form's validation too, so API and pages accept the same input."""
        form_data = {k: v for k, v in self.initial_data.items() if k in DealForm.base_fields}
        if "country" in attrs:
            form_data["country"] = attrs["country"]
        form_data["products"] = [p.pk for p in attrs.get("products", [])]
        form_data.setdefault("currency", "USD")
        form = DealForm(data=form_data)
        if not form.is_valid():
            raise serializers.ValidationError({
                ("non_field_errors" if field == "__all__" else field): [e["message"] for e in errors]
                for field, errors in form.errors.get_json_data().items()
            })
        cleaned = {k: v for k, v in form.cleaned_data.items() if k != "products"}
        return {**cleaned, "products": attrs.get("products", []), "submit": attrs.get("submit", False)}


def _raw_input(data: dict) -> dict:
    """What the caller sent for the registration's own fields (nothing else is kept)."""
    return {key: data[key] for key in [*DealForm.base_fields, "products"] if key in data}


class ApiErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class InvalidStateErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["invalid_state"])
    status = serializers.CharField(required=False)


# The answers besides success, documented so that the schema holds every answer (the CI fuzz
# run, tests/test_api_fuzz.py, fails on an undocumented status code).
BAD_INPUT = OpenApiResponse(OpenApiTypes.OBJECT, description=gettext_lazy(
    "Bad input: a list of messages under each field named (`non_field_errors` for the rest)."))
NOT_ALLOWED = OpenApiResponse(ApiErrorSerializer, description=gettext_lazy(
    "Not a member of a partner organization, or its program status forbids the action."))
NOT_FOUND = OpenApiResponse(ApiErrorSerializer, description=gettext_lazy(
    "No such deal in the caller's organization (another organization's id included), or no "
    "such page."))
INVALID_STATE = OpenApiResponse(InvalidStateErrorSerializer, description=gettext_lazy(
    "The deal is not in a state that allows this (for example it was already submitted)."))


class DealPagination(PageNumberPagination):
    """The project's page size (50) unless the caller asks for another with `page_size`
    (1 to 100), such as the 25 rows the partner dashboard shows. Without filters the count
    is the organization's status counts' sum, kept under the deals' data version like the
    dashboard's (`partnerportal.versions`), not a COUNT over its deals per request."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        filtered = any(request.query_params.get(name) for name in DealFilter.base_filters)
        self.known_count = None if filtered else sum(
            selectors.deal_status_counts_kept(partner=request.partner).values())
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list, per_page) -> Paginator:
        paginator = Paginator(object_list, per_page)
        if self.known_count is not None:
            paginator.count = self.known_count
        return paginator


@extend_schema_view(
    list=extend_schema(responses={200: DealSerializer(many=True), 400: BAD_INPUT,
                                  403: NOT_ALLOWED, 404: NOT_FOUND}),
    create=extend_schema(responses={201: DealSerializer, 400: BAD_INPUT, 403: NOT_ALLOWED}),
    retrieve=extend_schema(responses={200: DealSerializer, 403: NOT_ALLOWED, 404: NOT_FOUND}),
)
class DealViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    """Deals of the caller's partner organization. Another organization's id answers 404."""

    serializer_class = DealSerializer
    permission_classes = [IsPartnerMember]
    filterset_class = DealFilter
    pagination_class = DealPagination

    def list(self, request: Request, *args, **kwargs) -> Response:
        """A page of deals, kept under the version of every deal column and the deals'
        products (`partnerportal.versions.DEAL_ROWS`) by organization, time zone and URL
        (its filters and page included); an error (a page out of range) is never kept."""
        url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        key = (f"api-deal-list:1:{request.partner.pk}:"
               f"{timezone.get_current_timezone_name()}:{url}")
        return Response(cached(
            key, data_version(DEAL_ROWS),
            lambda: super(DealViewSet, self).list(request, *args, **kwargs).data,
            timeout=LIST_TIMEOUT))

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deal.objects.none()
        return selectors.deal_api_list(partner=self.request.partner)

    def get_object(self) -> Deal:
        return selectors.deal_get(partner=self.request.partner, pk=self._pk())

    def _pk(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None

    def create(self, request: Request, *args, **kwargs) -> Response:
        if not isinstance(request.data, dict):
            return Response({"non_field_errors": [_("Send a JSON object.")]}, status=400)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        submit = data.pop("submit", False)
        products = data.pop("products", [])
        # One transaction: a create-and-submit that fails validation leaves no draft behind.
        with transaction.atomic():
            deal = services.deal_save_draft(partner=request.partner, actor=request.user, data=data,
                                            products=products, raw=_raw_input(request.data))
            if submit:
                deal = services.deal_submit(partner=request.partner, actor=request.user, deal=deal)
        deal = selectors.deal_get(partner=request.partner, pk=deal.pk)
        return Response(self.get_serializer(deal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DealSerializer, 400: BAD_INPUT, 403: NOT_ALLOWED,
                                            404: NOT_FOUND, 409: INVALID_STATE})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit a draft for screening."""
        deal = services.deal_submit(partner=request.partner, actor=request.user, deal=self.get_object())
        return Response(self.get_serializer(deal).data)

    @extend_schema(
        request=inline_serializer("WithdrawRequest", {"reason": serializers.CharField(required=False, max_length=1000)}),
        responses={200: DealSerializer, 400: BAD_INPUT, 403: NOT_ALLOWED, 404: NOT_FOUND,
                   409: INVALID_STATE},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw a registration."""
        reason = request.data.get("reason", "") if isinstance(request.data, dict) else ""
        if not isinstance(reason, str) or len(reason) > 1000:
            raise serializers.ValidationError({"reason": [_("Give a text of at most 1,000 characters.")]})
        deal = services.deal_withdraw(partner=request.partner, actor=request.user,
                                      deal=self.get_object(), reason=reason)
        return Response(self.get_serializer(deal).data)
