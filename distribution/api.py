"""API for vendor leads, offers, outcome reports and the scorecard.

Staff routes (under /api/v1/staff/) need vendor staff with a second factor and answer 404
to anyone else; partner routes are scoped to the caller's organization (another
organization's offer or deal answers 404). Views are thin: the same selectors and
services as the pages.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from distribution import matching, selectors, services
from distribution.choices import OfferStatus, OutcomeStage, VendorLeadSource
from distribution.forms import VendorLeadForm
from distribution.models import Offer, OutcomeReport, VendorLead
from partnerportal.api import BlankReadOnlyFieldsMixin, IsPartnerMember
from reviews.api import (
    FORBIDDEN,
    NOT_FOUND,
    ErrorSerializer,
    InvalidStateSerializer,
    IsStaffWithSecondFactor,
)

# The answers besides success, documented so that the schema holds every answer (the CI fuzz
# run, tests/test_api_fuzz.py, fails on an undocumented status code or body).
BAD_INPUT = OpenApiResponse(OpenApiTypes.OBJECT, description=gettext_lazy(
    "Bad input: a list of messages under each field named (`non_field_errors` for the rest)."))
NOT_A_MEMBER = OpenApiResponse(ErrorSerializer, description=gettext_lazy(
    "Not a member of a partner organization."))
PARTNER_NOT_FOUND = OpenApiResponse(ErrorSerializer, description=gettext_lazy(
    "No such object in the caller's organization (another organization's id included), or "
    "no such page."))
LEAD_CONFLICT = OpenApiResponse(InvalidStateSerializer, description=gettext_lazy(
    "The lead, offer or deal is not in a state that allows this (someone acted first, the "
    "time to answer ran out); `status` is its current status."))


def _pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


class VendorLeadSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    terms = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = VendorLead
        fields = ["id", "reference", "status", "source", "company_name", "website", "country",
                  "industry", "company_size", "contact_name", "contact_title", "contact_email",
                  "contact_phone", "need", "use_case_text", "terms", "urgency",
                  "estimated_value", "currency", "summary", "next_steps", "held_reason",
                  "held_detail", "created_at", "ready_at", "assigned_at"]
        read_only_fields = fields


class VendorLeadCreateSerializer(serializers.Serializer):
    """Input of POST staff/vendor-leads/: the staff form's fields (terms and products are
    lists of ids). Validated by the same form as the page."""

    company_name = serializers.CharField(max_length=200)
    website = serializers.CharField(required=False, allow_blank=True)
    country = serializers.CharField(required=False, allow_blank=True)
    industry = serializers.CharField(required=False, allow_blank=True)
    company_size = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True)
    contact_title = serializers.CharField(required=False, allow_blank=True)
    contact_email = serializers.CharField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(required=False, allow_blank=True)
    need = serializers.CharField(required=False, allow_blank=True)
    use_case_text = serializers.CharField(required=False, allow_blank=True)
    terms = serializers.ListField(child=serializers.IntegerField(), required=False)
    urgency = serializers.CharField(required=False, allow_blank=True)
    estimated_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False,
                                               allow_null=True)
    currency = serializers.CharField(required=False, default="USD")
    products = serializers.ListField(child=serializers.IntegerField(), required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)


class OfferCreateSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class StaffOfferSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Offer
        fields = ["id", "lead", "partner", "status", "rank", "score", "is_override",
                  "override_reason", "offered_at", "due_at", "decline_reason", "deal"]
        read_only_fields = fields


RecommendationSerializer = inline_serializer("VendorLeadRecommendation", fields={
    "id": serializers.IntegerField(), "weights_version": serializers.IntegerField(),
    "computed_at": serializers.DateTimeField(), "summary": serializers.CharField(),
    "eligible_count": serializers.IntegerField(),
    "candidates": serializers.ListField(child=serializers.DictField()),
    "exclusions": serializers.DictField(),
})


def _form_errors(form) -> dict:
    return {("non_field_errors" if field == "__all__" else field): [str(e) for e in errors]
            for field, errors in form.errors.items()}


@extend_schema_view(list=extend_schema(responses={200: VendorLeadSerializer(many=True),
                                                  404: NOT_FOUND}))


class StaffVendorLeadViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Vendor leads: list (filter `status`), create, recommendations, offers."""

    permission_classes = [permissions.IsAuthenticated, IsStaffWithSecondFactor]
    serializer_class = VendorLeadSerializer

    def get_queryset(self):
        qs = selectors.vendor_lead_list(status=self.request.query_params.get("status", ""))
        return qs.prefetch_related("terms")

    @extend_schema(request=VendorLeadCreateSerializer,
                   responses={201: VendorLeadSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    def create(self, request):
        data = VendorLeadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = VendorLeadForm(data={k: v for k, v in data.validated_data.items()
                                    if v is not None})
        if not form.is_valid():
            return Response(_form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        lead = services.vendor_lead_create(
            actor=request.user, data=form.model_fields(), terms=form.cleaned_data["terms"],
            products=form.cleaned_data["products"], source=VendorLeadSource.API)
        return Response(VendorLeadSerializer(lead).data, status=status.HTTP_201_CREATED)

    def _lead(self, pk) -> VendorLead:
        lead = VendorLead.objects.filter(pk=_pk(pk)).first()
        if lead is None:
            raise NotFound
        return lead

    @extend_schema(responses={200: RecommendationSerializer, 404: OpenApiResponse(
        ErrorSerializer, description=gettext_lazy(
            "Not vendor staff with a second factor, no such lead, or not matched yet."))})
    @action(detail=True, methods=["get"])
    def recommendations(self, request, pk=None):
        """The latest ranked candidates with each factor's score, weight and evidence, the
        exclusions with reasons, and the weights version."""
        rec = selectors.recommendation_latest(lead=self._lead(pk))
        if rec is None:
            return Response({"detail": "Not matched yet."}, status=status.HTTP_404_NOT_FOUND)
        return Response({"id": rec.pk, "weights_version": rec.weights.version,
                         "computed_at": rec.computed_at, "summary": rec.summary,
                         "eligible_count": rec.eligible_count, "candidates": rec.candidates,
                         "exclusions": rec.exclusions})

    @extend_schema(request=OfferCreateSerializer,
                   responses={201: StaffOfferSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND, 409: LEAD_CONFLICT})
    @action(detail=True, methods=["post"])
    def offers(self, request, pk=None):
        """Offer the lead: the top candidate needs nothing more, another one an
        `override_reason` (recorded and reported)."""
        body = OfferCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        offer = services.offer_make(actor=request.user, lead=self._lead(pk),
                                    partner_id=body.validated_data["partner"],
                                    override_reason=body.validated_data["override_reason"])
        return Response(StaffOfferSerializer(offer).data, status=status.HTTP_201_CREATED)


class PartnerOfferSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    """An offer as the offered organization sees it: the contact only after acceptance."""

    lead = serializers.SerializerMethodField()
    why = serializers.JSONField(source="explanation")

    class Meta:
        model = Offer
        fields = ["id", "status", "offered_at", "due_at", "lead", "why", "deal"]
        read_only_fields = fields

    def get_lead(self, offer) -> dict:
        lead = offer.lead
        data = {"reference": lead.reference, "company_name": lead.company_name,
                "summary": lead.summary, "need": lead.need, "next_steps": lead.next_steps}
        if offer.status == OfferStatus.ACCEPTED:
            data.update(contact_name=lead.contact_name, contact_title=lead.contact_title,
                        contact_email=lead.contact_email, contact_phone=lead.contact_phone,
                        website=lead.website)
        return data


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="")


@extend_schema_view(list=extend_schema(responses={200: PartnerOfferSerializer(many=True),
                                                  403: NOT_A_MEMBER, 404: PARTNER_NOT_FOUND}))
class OfferViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Offers made to the caller's organization; accept or decline (reason required)."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerMember]
    serializer_class = PartnerOfferSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        return selectors.offer_list(partner=self.request.partner)

    @extend_schema(request=None, responses={200: PartnerOfferSerializer, 403: NOT_A_MEMBER,
                                            404: PARTNER_NOT_FOUND, 409: LEAD_CONFLICT})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        offer = selectors.offer_get(partner=request.partner, pk=_pk(pk))
        offer = services.offer_accept(partner=request.partner, actor=request.user, offer=offer)
        return Response(PartnerOfferSerializer(offer).data)

    @extend_schema(request=DeclineSerializer, responses={
        200: PartnerOfferSerializer, 400: BAD_INPUT, 403: NOT_A_MEMBER, 404: PARTNER_NOT_FOUND,
        409: LEAD_CONFLICT})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        offer = selectors.offer_get(partner=request.partner, pk=_pk(pk))
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        offer = services.offer_decline(partner=request.partner, actor=request.user,
                                       offer=offer, reason=body.validated_data["reason"])
        return Response(PartnerOfferSerializer(offer).data)


class OutcomeReportSerializer(serializers.ModelSerializer):
    stage = serializers.ChoiceField(choices=OutcomeStage.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    lost_reason = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        model = OutcomeReport
        fields = ["id", "deal", "stage", "note", "lost_reason", "reported_at"]
        read_only_fields = ["id", "deal", "reported_at"]


class DealOutcomeView(APIView):
    """The deal's outcome reports (GET) and a new one (POST). Never changes the deal."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerMember]
    serializer_class = OutcomeReportSerializer

    @extend_schema(responses={200: OutcomeReportSerializer(many=True), 403: NOT_A_MEMBER,
                              404: PARTNER_NOT_FOUND})
    def get(self, request, pk: int):
        deal = selectors.reportable_deal_get(partner=request.partner, pk=pk)
        reports = selectors.outcome_report_list(partner=request.partner, deal=deal)
        return Response(OutcomeReportSerializer(reports, many=True).data)

    @extend_schema(request=OutcomeReportSerializer, responses={
        201: OutcomeReportSerializer, 400: BAD_INPUT, 403: NOT_A_MEMBER, 404: PARTNER_NOT_FOUND,
        409: LEAD_CONFLICT})
    def post(self, request, pk: int):
        deal = selectors.reportable_deal_get(partner=request.partner, pk=pk)
        body = OutcomeReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = services.outcome_report(partner=request.partner, actor=request.user,
                                             deal=deal, **body.validated_data)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return Response(OutcomeReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ScorecardView(APIView):
    """How the caller's organization scores on each matching factor, and what raises it."""

    permission_classes = [permissions.IsAuthenticated, IsPartnerMember]

    @extend_schema(responses={200: inline_serializer("Scorecard", fields={
        "total": serializers.FloatField(), "weights_version": serializers.IntegerField(),
        "factors": serializers.ListField(child=serializers.DictField()),
        "exclusions": serializers.ListField(child=serializers.CharField()),
        "compliance": serializers.DictField()}), 403: NOT_A_MEMBER})
    def get(self, request):
        card = matching.scorecard(partner=request.partner)
        compliance = matching.reporting_compliance(partner=request.partner)
        return Response({**card, "compliance": compliance})
