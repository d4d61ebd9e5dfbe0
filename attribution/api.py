"""Attribution and compensation API: the same services and permissions as the pages.

* Staff (`/api/v1/staff/conflicts/`, `/staff/commissions/`, `/staff/payouts/{id}/csv/`):
  vendor staff with a second factor (`reviews.api.IsStaffWithSecondFactor`); anyone else,
  partners included, gets 404. Writing needs the partner-owner or program-admin role (403).
* Partner (`/api/v1/deals/{id}/attribution/`, `/deals/{id}/disputes/`, `/commissions/`,
  `/payouts/`, `/payouts/{id}/csv/`): scoped to the caller's organization; another
  organization's id answers 404. A partner reads only its own credit lines (never another
  party's identity or share, never a proposal), on a merged registration its share on the
  survivor without the survivor being named.
"""

from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attribution import compensation
from attribution.choices import (
    AttributionRole,
    AttributionStatus,
    CaseStatus,
    CommissionStatus,
    Resolution,
)
from attribution.disputes import dispute_open
from attribution.models import Attribution, Commission, ConflictCase, PayoutStatement
from attribution.selectors import deal_attribution_for_partner
from attribution.services import case_members, conflict_case_resolve, holding_registration
from leads import selectors as lead_selectors
from leads.models import Deal
from partnerportal.api import BlankReadOnlyFieldsMixin, IsPartnerMember
from partnerportal.csv import csv_response
from partnerportal.exceptions import InvalidTransition
from reviews.api import (
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    STAFF_PERMISSIONS,
    ErrorSerializer,
    IsStaffWithSecondFactor,
    _field_errors,
)

CSV_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description=gettext_lazy(
    "The statement as CSV (UTF-8 with BOM; every cell formula-safe)."))
PARTNER_NOT_FOUND = OpenApiResponse(ErrorSerializer, description=gettext_lazy(
    "No such object in the caller's organization (another organization's id included), or "
    "no such page."))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- Staff: conflict cases ----------------------------------------------------------------------


class CaseDealSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    """A registration of a case, as staff see it."""

    reference = serializers.CharField(read_only=True)
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = Deal
        fields = ["id", "reference", "partner", "partner_name", "company_name", "status",
                  "submitted_at", "routing_paused"]
        read_only_fields = fields


class CaseDealDetailSerializer(CaseDealSerializer):
    holds = serializers.SerializerMethodField(
        help_text=gettext_lazy("The registration that holds by the program's rule."))
    matched_fields = serializers.SerializerMethodField()

    class Meta(CaseDealSerializer.Meta):
        fields = [*CaseDealSerializer.Meta.fields, "holds", "introduction_path",
                  "relationship_notes", "matched_fields"]
        read_only_fields = fields

    def get_holds(self, deal: Deal) -> bool:
        return deal.pk == self.context.get("holder_id")

    def get_matched_fields(self, deal: Deal) -> list[str]:
        fields = set()
        for match in deal.matches.all():
            fields |= set(match.matched_fields)
        return sorted(fields)


class CaseLineSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    """A credit line of a case (staff only: names every party)."""

    partner_name = serializers.CharField(source="partner.name", read_only=True, default=None)

    class Meta:
        model = Attribution
        fields = ["id", "deal", "source_deal", "partner", "partner_name", "direct", "role",
                  "share", "status", "approved_at", "dispute_until"]
        read_only_fields = fields


class ConflictCaseSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    deals = serializers.SerializerMethodField()

    class Meta:
        model = ConflictCase
        fields = ["id", "reference", "status", "involves_direct_sales", "created_at",
                  "resolution", "reason", "resolved_at", "resolved_by", "surviving_deal", "deals"]
        read_only_fields = fields

    @extend_schema_field(CaseDealSerializer(many=True))
    def get_deals(self, case: ConflictCase) -> list[dict]:
        members = sorted(case.deals.all(), key=lambda d: (d.submitted_at is None, d.submitted_at, d.pk))
        return CaseDealSerializer(members, many=True, context=self.context).data


class ConflictCaseDetailSerializer(ConflictCaseSerializer):
    proposed = serializers.SerializerMethodField()
    attributions = serializers.SerializerMethodField()

    class Meta(ConflictCaseSerializer.Meta):
        fields = [*ConflictCaseSerializer.Meta.fields, "proposed", "attributions"]
        read_only_fields = fields

    @extend_schema_field(CaseDealDetailSerializer(many=True))
    def get_deals(self, case: ConflictCase) -> list[dict]:
        members = case_members(case).prefetch_related("matches")
        return CaseDealDetailSerializer(members, many=True, context=self.context).data

    @extend_schema_field(CaseLineSerializer(allow_null=True))
    def get_proposed(self, case: ConflictCase) -> dict | None:
        line = case.attributions.filter(status=AttributionStatus.PROPOSED).select_related("partner").first()
        return CaseLineSerializer(line).data if line else None

    @extend_schema_field(CaseLineSerializer(many=True))
    def get_attributions(self, case: ConflictCase) -> list[dict]:
        lines = (case.attributions.current().exclude(status=AttributionStatus.PROPOSED)
                 .select_related("partner").order_by("id"))
        return CaseLineSerializer(lines, many=True).data


class ShareRequestSerializer(serializers.Serializer):
    deal = serializers.IntegerField(required=False, allow_null=True,
                                    help_text=gettext_lazy("Id of a registration of the case."))
    direct = serializers.BooleanField(required=False, default=False,
                                      help_text=gettext_lazy("True: this share goes to direct sales."))
    role = serializers.ChoiceField(choices=AttributionRole.choices, required=False,
                                   default=AttributionRole.SOURCED)
    share = serializers.DecimalField(max_digits=5, decimal_places=2,
                                     help_text=gettext_lazy("Percent with two decimals; all shares add up to 100.00."))


class ResolveRequestSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="",
                                   help_text=gettext_lazy("Why (required except for reject)."))
    deal = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text=gettext_lazy("For `partner`: the registration credited."))
    shares = ShareRequestSerializer(many=True, required=False, default=None, allow_null=True,
                                    help_text=gettext_lazy("For `split`."))
    survivor = serializers.IntegerField(required=False, allow_null=True, default=None, help_text=gettext_lazy(
        "For `split`: the surviving registration (default: the holding one)."))
    reason_code = serializers.CharField(required=False, allow_blank=True, max_length=40, default="",
                                        help_text=gettext_lazy("For `reject` (and `direct`, default "
                                                               "direct-sales): a rejection reason code."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="",
                                 help_text=gettext_lazy("For `direct` and `reject`: what each partner reads."))


def _shares(items: list[dict] | None) -> list[dict] | None:
    if items is None:
        return None
    return [{"direct": True, "role": s["role"], "share": str(s["share"])} if s.get("direct")
            else {"deal": s.get("deal"), "role": s["role"], "share": str(s["share"])} for s in items]


def _case_queryset():
    members = Prefetch("deals", queryset=Deal.objects.select_related("partner"))
    open_first = Case(When(status=CaseStatus.OPEN, then=Value(0)), default=Value(1),
                      output_field=IntegerField())
    return ConflictCase.objects.prefetch_related(members).order_by(open_first, "-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        operation_id="v1_staff_conflicts_list", summary=gettext_lazy("Conflict cases, open first"),
        parameters=[OpenApiParameter("status", str, enum=CaseStatus.values)],
        responses={200: ConflictCaseSerializer(many=True), 404: NOT_FOUND}),
    retrieve=extend_schema(
        operation_id="v1_staff_conflicts_retrieve",
        summary=gettext_lazy("One case: its registrations side by side, the proposal, the lines"),
        responses={200: ConflictCaseDetailSerializer, 404: NOT_FOUND}),
)
class StaffConflictViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Conflict cases; a partner owner resolves one (one partner, split, direct, reject)."""

    permission_classes = STAFF_PERMISSIONS
    serializer_class = ConflictCaseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConflictCase.objects.none()
        cases = _case_queryset()
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in CaseStatus.values:
            raise serializers.ValidationError({"status": [_("Choose open or resolved.")]})
        return cases.filter(status=wanted) if wanted else cases

    def _detail(self, pk) -> Response:
        case = get_object_or_404(ConflictCase, pk=_int(pk))
        holder = holding_registration(case)
        context = {**self.get_serializer_context(), "holder_id": getattr(holder, "pk", None)}
        return Response(ConflictCaseDetailSerializer(case, context=context).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self._detail(pk)

    @extend_schema(
        operation_id="v1_staff_conflicts_resolve", summary=gettext_lazy("Resolve a conflict case"),
        request=ResolveRequestSerializer,
        responses={200: ConflictCaseDetailSerializer, 400: _field_errors(
            "ResolveError", ["resolution", "reason", "deal", "shares", "survivor", "reason_code", "note"]),
            403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """The resolution names a surviving registration (partner, split) that carries the
        approved attribution; the other members close as merged. Each partner is told its
        own outcome and share only."""
        case = get_object_or_404(ConflictCase, pk=_int(pk))
        serializer = ResolveRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        conflict_case_resolve(actor=request.user, case=case, resolution=data["resolution"],
                              reason=data["reason"], deal=data["deal"], shares=_shares(data["shares"]),
                              survivor=data["survivor"], reason_code=data["reason_code"],
                              note=data["note"])
        return self._detail(pk)


# --- Staff: commissions and payouts ---------------------------------------------------------------


class StaffCommissionSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    deal_reference = serializers.CharField(source="deal.reference", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)

    class Meta:
        model = Commission
        fields = ["id", "deal", "deal_reference", "partner", "partner_name", "attribution", "share",
                  "base_amount", "amount", "currency", "status", "rule", "rule_snapshot",
                  "explanation", "correction_of", "adjustment_reason", "approved_by", "approved_at",
                  "statement", "created_at"]
        read_only_fields = fields


class ApproveRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None,
        help_text=gettext_lazy("Another amount than proposed (needs `reason`)."))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


COMMISSION_FILTERS = [
    OpenApiParameter("status", str, enum=CommissionStatus.values),
    OpenApiParameter("partner", int),
    OpenApiParameter("currency", str, description=gettext_lazy("ISO 4217 code")),
]


def _commission_filters(request: Request, commissions):
    params = request.query_params
    errors = {}
    if params.get("status"):
        if params["status"] not in CommissionStatus.values:
            errors["status"] = [_("Choose proposed, approved or paid.")]
        commissions = commissions.filter(status=params["status"])
    if params.get("partner"):
        try:
            commissions = commissions.filter(partner_id=int(params["partner"]))
        except ValueError:
            errors["partner"] = [_("Give a partner id.")]
    if params.get("currency"):
        commissions = commissions.filter(currency=params["currency"].upper())
    if errors:
        raise serializers.ValidationError(errors)
    return commissions


@extend_schema_view(list=extend_schema(
    operation_id="v1_staff_commissions_list", summary=gettext_lazy("Commissions, proposals first"),
    parameters=COMMISSION_FILTERS,
    responses={200: StaffCommissionSerializer(many=True),
               400: _field_errors("StaffCommissionFilterError", ["status", "partner"]), 404: NOT_FOUND}))
class StaffCommissionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Commissions of every partner; a partner owner approves or adjusts a proposal."""

    permission_classes = STAFF_PERMISSIONS
    serializer_class = StaffCommissionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Commission.objects.none()
        proposed_first = Case(When(status=CommissionStatus.PROPOSED, then=Value(0)), default=Value(1),
                              output_field=IntegerField())
        commissions = Commission.objects.select_related("deal", "partner").order_by(
            proposed_first, "-created_at", "-id")
        return _commission_filters(self.request, commissions)

    @extend_schema(
        operation_id="v1_staff_commissions_approve",
        summary=gettext_lazy("Approve a proposed commission (optionally with another amount)"),
        request=ApproveRequestSerializer,
        responses={200: StaffCommissionSerializer, 400: _field_errors("ApproveError", ["amount", "reason"]),
                   403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        commission = get_object_or_404(Commission, pk=_int(pk))
        serializer = ApproveRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commission = compensation.commission_approve(
            actor=request.user, commission=commission, amount=serializer.validated_data["amount"],
            reason=serializer.validated_data["reason"])
        commission = Commission.objects.select_related("deal", "partner").get(pk=commission.pk)
        return Response(StaffCommissionSerializer(commission).data)


def _statement_csv(statement: PayoutStatement):
    return csv_response(filename=f"{statement.reference}.csv", header=compensation.PAYOUT_CSV_HEADER,
                        rows=compensation.payout_statement_rows(statement))


class StaffPayoutCsvView(APIView):
    """GET /api/v1/staff/payouts/{id}/csv/ — any partner's statement, for vendor staff."""

    permission_classes = [IsStaffWithSecondFactor]

    @extend_schema(operation_id="v1_staff_payouts_csv", summary=gettext_lazy("A payout statement as CSV"),
                   responses={(200, "text/csv"): CSV_RESPONSE, 404: NOT_FOUND})
    def get(self, request: Request, pk: int):
        return _statement_csv(get_object_or_404(PayoutStatement.objects.select_related("partner"), pk=pk))


# --- Partner --------------------------------------------------------------------------------------


class OwnLineSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    """The caller's own credit line: role, share and state; never whose deal it hangs on."""

    can_dispute = serializers.SerializerMethodField()

    class Meta:
        model = Attribution
        fields = ["id", "role", "share", "status", "approved_at", "dispute_until", "finalized_at",
                  "can_dispute"]
        read_only_fields = fields

    def get_can_dispute(self, line: Attribution) -> bool:
        now = self.context["now"]
        return (line.status == AttributionStatus.APPROVED and line.dispute_until is not None
                and now <= line.dispute_until)


class OwnDisputeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    attribution = serializers.IntegerField(source="attribution_id")
    status = serializers.CharField()
    text = serializers.CharField()
    resolution_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    attachments = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_attachments(self, dispute) -> list[str]:
        return [item.original_name for item in dispute.attachments.all()]


class DealAttributionSerializer(serializers.Serializer):
    deal = serializers.IntegerField(help_text=gettext_lazy("Your registration's id."))
    reference = serializers.CharField()
    status = serializers.CharField()
    merged = serializers.BooleanField(help_text=gettext_lazy(
        "Your registration was merged into the surviving registration of the customer; "
        "`lines` are your share on it."))
    lines = OwnLineSerializer(many=True)
    disputes = OwnDisputeSerializer(many=True)


def _own_deal(request: Request, pk) -> Deal:
    return lead_selectors.deal_get(partner=request.partner, pk=_int(pk))


def _attribution_answer(request: Request, deal: Deal) -> dict:
    from django.utils import timezone

    lines = list(deal_attribution_for_partner(partner=request.partner, deal=deal))
    disputes = (request.partner.disputes.filter(attribution__in=[line.pk for line in lines])
                .prefetch_related("attachments").order_by("-created_at", "-id"))
    return DealAttributionSerializer({
        "deal": deal.pk, "reference": deal.reference, "status": deal.status,
        "merged": deal.merged_into_id is not None, "lines": lines, "disputes": list(disputes),
    }, context={"now": timezone.now()}).data


class DealAttributionView(APIView):
    """GET /api/v1/deals/{id}/attribution/ — the caller's own share on its registration."""

    permission_classes = [IsPartnerMember]

    @extend_schema(operation_id="v1_deals_attribution_retrieve",
                   summary=gettext_lazy("Your credit on a registration"),
                   responses={200: DealAttributionSerializer, 403: FORBIDDEN, 404: PARTNER_NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_attribution_answer(request, _own_deal(request, pk)))


class DisputeRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, allow_blank=True,
                                 help_text=gettext_lazy("What you dispute and why."))
    attribution = serializers.IntegerField(required=False, allow_null=True, default=None,
                                           help_text=gettext_lazy("Which of your lines (default: the "
                                                                  "approved one)."))
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list,
        help_text=gettext_lazy("Up to 5 files (PDF, PNG, JPEG, TXT, CSV; 5 MB each); multipart only."))


class DealDisputeView(APIView):
    """POST /api/v1/deals/{id}/disputes/ — dispute your approved credit within its window."""

    permission_classes = [IsPartnerMember]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="v1_deals_disputes_create", summary=gettext_lazy("Dispute your credit"),
                   request={"application/json": DisputeRequestSerializer,
                            "multipart/form-data": DisputeRequestSerializer},
                   responses={201: OwnDisputeSerializer, 400: _field_errors(
                       "DisputeError", ["text", "attribution", "attachments"]),
                       403: FORBIDDEN, 404: PARTNER_NOT_FOUND, 409: CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        deal = _own_deal(request, pk)
        files = request.FILES.getlist("attachments") if request.FILES else []
        text = request.data.get("text", "") if hasattr(request.data, "get") else ""
        wanted = request.data.get("attribution") if hasattr(request.data, "get") else None
        if not isinstance(text, str):
            raise serializers.ValidationError({"text": [_("Send the text as a string.")]})
        try:  # at most 5,000 characters, no NUL (PostgreSQL refuses it: it was a 500)
            text = DisputeRequestSerializer().fields["text"].run_validation(text)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"text": error.detail}) from error
        lines = list(deal_attribution_for_partner(partner=request.partner, deal=deal))
        line = _line_to_dispute(deal, lines, wanted)
        dispute = dispute_open(partner=request.partner, actor=request.user, attribution=line,
                               text=text, files=files)
        dispute = request.partner.disputes.prefetch_related("attachments").get(pk=dispute.pk)
        return Response(OwnDisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)


def _line_to_dispute(deal: Deal, lines: list[Attribution], wanted) -> Attribution:
    """The line the caller disputes: the one named, else its approved one. Without an
    approved line the 409 names the status of the caller's line (or of the registration,
    when it has no line at all), as every 409 does."""
    if wanted not in (None, ""):
        try:
            wanted = int(wanted)
        except (TypeError, ValueError):
            wanted = None
        line = next((line for line in lines if line.pk == wanted), None)
        if line is None:
            raise serializers.ValidationError({"attribution": [_("Choose one of your lines on this deal.")]})
        return line
    approved = [line for line in lines if line.status == AttributionStatus.APPROVED]
    if not approved:
        raise InvalidTransition(_("This registration has no approved credit of yours to dispute."),
                                current_status=lines[0].status if lines else deal.status)
    return approved[0]


class OwnCommissionSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    """A commission of the caller's organization, on its own registration."""

    deal = serializers.SerializerMethodField()
    deal_reference = serializers.SerializerMethodField()
    statement = serializers.CharField(
        source="statement.reference", default=None, read_only=True, allow_null=True,
        help_text=gettext_lazy("The payout statement's reference; null until one pays it."))

    class Meta:
        model = Commission
        fields = ["id", "deal", "deal_reference", "share", "base_amount", "amount", "currency",
                  "status", "explanation", "correction_of", "adjustment_reason", "approved_at",
                  "statement", "created_at"]
        read_only_fields = fields

    def _own(self, commission: Commission) -> Deal:
        return commission.attribution.source_deal or commission.deal

    def get_deal(self, commission: Commission) -> int:
        return self._own(commission).pk

    def get_deal_reference(self, commission: Commission) -> str:
        return self._own(commission).reference


class PayoutSerializer(BlankReadOnlyFieldsMixin, serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = PayoutStatement
        fields = ["id", "reference", "period_start", "period_end", "currency", "total", "status",
                  "issued_at", "paid_at"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(
    operation_id="v1_commissions_list", summary=gettext_lazy("Your organization's commissions"),
    parameters=[OpenApiParameter("status", str, enum=CommissionStatus.values)],
    responses={200: OwnCommissionSerializer(many=True), 400: _field_errors("CommissionFilterError", ["status"]),
               403: FORBIDDEN, 404: PARTNER_NOT_FOUND}))
class CommissionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsPartnerMember]
    serializer_class = OwnCommissionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Commission.objects.none()
        commissions = (Commission.objects.for_partner(self.request.partner)
                       .select_related("deal", "attribution__source_deal", "statement")
                       .order_by("-created_at", "-id"))
        wanted = self.request.query_params.get("status", "")
        if wanted and wanted not in CommissionStatus.values:
            raise serializers.ValidationError({"status": [_("Choose proposed, approved or paid.")]})
        return commissions.filter(status=wanted) if wanted else commissions


@extend_schema_view(list=extend_schema(
    operation_id="v1_payouts_list", summary=gettext_lazy("Your organization's payout statements"),
    responses={200: PayoutSerializer(many=True), 403: FORBIDDEN, 404: PARTNER_NOT_FOUND}))
class PayoutViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsPartnerMember]
    serializer_class = PayoutSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PayoutStatement.objects.none()
        return PayoutStatement.objects.for_partner(self.request.partner).order_by("-period_end", "-id")

    @extend_schema(operation_id="v1_payouts_csv", summary=gettext_lazy("One of your statements as CSV"),
                   responses={(200, "text/csv"): CSV_RESPONSE, 404: PARTNER_NOT_FOUND})
    @action(detail=True, methods=["get"])
    def csv(self, request: Request, pk: str | None = None):
        statement = get_object_or_404(self.get_queryset().select_related("partner"), pk=_int(pk))
        return _statement_csv(statement)
