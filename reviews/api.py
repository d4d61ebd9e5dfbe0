"""The staff API under /api/v1/staff/: deals with what screening found, decisions (accept,
reject, ask for information), review tasks and rejection reasons.

Vendor staff only, with a second factor (a session that passed MFA, or the token of a user
who has TOTP); anyone else gets 404, partners even for their own deal. Reading is open to
every such staff user; deciding and assigning to partner owners and program admins (403 for
the others). Views are thin: the same selectors and services as the staff pages.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads import selectors
from leads.choices import DealStatus
from leads.models import (
    Deal,
    DealQuestion,
    DuplicateMatch,
    QualificationSummary,
    ScreeningStep,
    StopRuleHit,
)
from partnerportal.api import BlankReadOnlyFieldsMixin
from partners.auth import session_used_mfa
from partners.choices import REVIEWER_ROLES
from partners.selectors import user_staff_roles
from reviews import services
from reviews.api_filters import SlaState, StaffDealFilter, StaffTaskFilter, sla_state
from reviews.models import Decision, RejectionReason, ReviewTask


class IsStaffWithSecondFactor(permissions.BasePermission):
    """Vendor staff only. A session must have passed MFA; a token's owner must have TOTP.

    Anyone else gets 404, staff without the second factor included, so the route says
    nothing about which deals exist.
    """

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff):
            raise Http404
        if isinstance(request.successful_authenticator, TokenAuthentication):
            second_factor = is_mfa_enabled(user, ["totp"])
        else:
            second_factor = session_used_mfa(request._request)
        if not second_factor:
            raise Http404
        return True


class MatchSerializer(serializers.ModelSerializer):
    target = serializers.CharField(source="target_key")
    score = serializers.FloatField()

    class Meta:
        model = DuplicateMatch
        fields = ["kind", "target_type", "target", "score", "matched_fields", "reasons",
                  "holds_registration"]


class StopRuleHitSerializer(serializers.ModelSerializer):
    class Meta:
        model = StopRuleHit
        fields = ["rule", "reason"]


class SummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = QualificationSummary
        fields = ["summary", "fit_tier", "recommendation", "questions", "risks", "evidence",
                  "engine", "model", "prompt_version", "fallback_reason", "created_at"]


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreeningStep
        fields = ["name", "status", "attempts", "started_at", "finished_at", "duration_ms", "detail"]


class ScreeningSerializer(serializers.Serializer):
    deal = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    routing_paused = serializers.BooleanField()
    matches = MatchSerializer(many=True)
    stop_rule_hits = StopRuleHitSerializer(many=True)
    summary = SummarySerializer(allow_null=True)
    recommendation = serializers.SerializerMethodField()
    steps = StepSerializer(source="screening_steps", many=True)
    # Null until the deal gets there (a draft has none of them).
    submitted_at = serializers.DateTimeField(allow_null=True)
    screening_started_at = serializers.DateTimeField(allow_null=True)
    screening_finished_at = serializers.DateTimeField(allow_null=True)

    def get_recommendation(self, deal) -> str | None:
        summary = getattr(deal, "summary", None)
        return summary.recommendation if summary else None


class IsReviewerForWrites(permissions.BasePermission):
    """Any staff user with a second factor may read; only partner owners and program admins
    may decide or assign (403 for anyone else, sales owners included)."""

    message = _("Only partner owners and program admins may do this.")

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(user_staff_roles(user=request.user) & REVIEWER_ROLES)


STAFF_PERMISSIONS = [IsStaffWithSecondFactor, IsReviewerForWrites]


# --- Serializers ------------------------------------------------------------------------------


class StaffUserSerializer(serializers.Serializer):
    """A vendor staff user as the staff API names them."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email


@extend_schema_field(serializers.ChoiceField(choices=SlaState.CHOICES, allow_null=True))
class SlaStateField(serializers.Field):
    """An open task's SLA state, derived from its due time; null once it has ended."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, task: ReviewTask) -> str | None:
        return sla_state(task, now=self.context.get("now") or timezone.now())


class TaskSerializer(serializers.ModelSerializer):
    """A review task on a deal; `sla_state` is derived from `due_at` (never stored)."""

    assignee = StaffUserSerializer(allow_null=True)
    sla_state = SlaStateField()

    class Meta:
        model = ReviewTask
        fields = ["id", "kind", "status", "assignee", "due_at", "paused_at", "escalated_at",
                  "sla_state", "note", "created_at", "closed_at"]


class StaffTaskSerializer(TaskSerializer):
    """A review task with the deal it belongs to."""

    deal = serializers.IntegerField(source="deal_id")
    deal_reference = serializers.CharField(source="deal.reference")
    deal_status = serializers.ChoiceField(source="deal.status", choices=DealStatus.choices)
    company_name = serializers.CharField(source="deal.company_name")
    partner = serializers.IntegerField(source="partner_id")
    partner_name = serializers.CharField(source="partner.name")

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "deal", "deal_reference", "deal_status",
                  "company_name", "partner", "partner_name"]


class DecisionSerializer(serializers.ModelSerializer):
    """A person's decision on a deal. `partner_note` is what the partner reads."""

    actor = StaffUserSerializer()
    reason_code = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "kind", "actor", "reason", "reason_code", "partner_note",
                  "override_reason", "overridden", "created_at"]


class QuestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DealQuestion
        fields = ["id", "question", "asked_at", "answer", "answered_at"]


class BlockerSerializer(serializers.Serializer):
    """Why accepting needs an override reason: `conflict`, `stop_rule:<rule>`, `missing_fields`."""

    code = serializers.CharField()
    message = serializers.CharField()


DEAL_SUMMARY_FIELDS = [
    "id", "reference", "status", "partner", "partner_name", "tier", "company_name", "country",
    "estimated_value", "currency", "urgency", "submitted_at", "decided_at", "protected_until",
    "sales_owner", "routing_paused",
]


class _DealFieldsMixin(serializers.Serializer):
    reference = serializers.CharField(read_only=True)
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    tier = serializers.CharField(source="partner.tier.name", read_only=True)
    country = serializers.CharField(read_only=True)
    sales_owner = StaffUserSerializer(read_only=True, allow_null=True)


class StaffDealSummarySerializer(BlankReadOnlyFieldsMixin, _DealFieldsMixin, serializers.ModelSerializer):
    """A deal in the staff list: its state, markers and open tasks."""

    stop_rules = serializers.SerializerMethodField()
    open_tasks = TaskSerializer(many=True, read_only=True)

    class Meta:
        model = Deal
        fields = [*DEAL_SUMMARY_FIELDS, "stop_rules", "open_tasks"]
        read_only_fields = fields

    def get_stop_rules(self, deal: Deal) -> list[str]:
        return [hit.rule for hit in deal.stop_rule_hits.all()]


class StaffDealSerializer(BlankReadOnlyFieldsMixin, _DealFieldsMixin, serializers.ModelSerializer):
    """A deal with everything a reviewer decides on: the registration, what screening found,
    the tasks, the decisions so far and what blocks a plain acceptance."""

    products = serializers.SlugRelatedField(slug_field="sku", many=True, read_only=True)
    matches = MatchSerializer(many=True, read_only=True)
    stop_rule_hits = StopRuleHitSerializer(many=True, read_only=True)
    summary = SummarySerializer(allow_null=True, read_only=True)
    tasks = TaskSerializer(source="review_tasks", many=True, read_only=True)
    decisions = DecisionSerializer(source="decision_rows", many=True, read_only=True)
    questions = QuestionSerializer(many=True, read_only=True)
    acceptance_blockers = serializers.SerializerMethodField()
    suggested_sales_owner = serializers.SerializerMethodField()

    class Meta:
        model = Deal
        fields = [
            *DEAL_SUMMARY_FIELDS, "source", "website", "industry", "company_size",
            "contact_name", "contact_title", "contact_email", "contact_phone",
            "contact_authority", "need", "timeline", "products", "introduction_path",
            "relationship_notes", "customer_consent", "created_at", "screening_finished_at",
            "converted_at", "closed_at", "won_amount", "lost_reason", "matches",
            "stop_rule_hits", "summary", "tasks", "decisions", "questions",
            "acceptance_blockers", "suggested_sales_owner",
        ]
        read_only_fields = fields

    @extend_schema_field(BlockerSerializer(many=True))
    def get_acceptance_blockers(self, deal: Deal) -> list[dict]:
        return [{"code": b.code, "message": b.message}
                for b in services.deal_acceptance_blockers(deal=deal)]

    @extend_schema_field(StaffUserSerializer(allow_null=True))
    def get_suggested_sales_owner(self, deal: Deal) -> dict | None:
        """The CRM account's owner, whom acceptance assigns unless another is chosen."""
        owner = services.deal_suggested_sales_owner(deal)
        return StaffUserSerializer(owner).data if owner else None


def _staff(**filters):
    return get_user_model().objects.filter(is_active=True, is_staff=True, **filters)


class AcceptRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default="",
        help_text=_("Required when the deal has acceptance blockers (an open conflict, a "
                    "stop-rule hit, missing required fields); recorded and reported."))
    sales_owner = serializers.PrimaryKeyRelatedField(
        queryset=_staff(), required=False, allow_null=True, default=None,
        help_text=_("Id of the staff user who takes the deal; default: the CRM account's owner."))


class RejectRequestSerializer(serializers.Serializer):
    reason_code = serializers.CharField(
        max_length=40, allow_blank=True,
        help_text=_("An active code from /api/v1/staff/rejection-reasons/."))
    note = serializers.CharField(max_length=5000, allow_blank=True,
                                 help_text=_("What the partner reads."))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="",
                                   help_text=_("Internal reason, not shown to the partner."))


class RequestInfoRequestSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=2000, allow_blank=True,
                                     help_text=_("What the partner is asked."))


class AssignRequestSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_staff(), help_text=_("Id of an active vendor staff user (yourself to claim)."))


class RejectionReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = RejectionReason
        fields = ["code", "label"]


# --- Documented error answers -------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class InvalidStateSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["invalid_state"])
    status = serializers.CharField(help_text=_("The status the deal or task is in now."))


def _field_errors(name: str, fields: list[str]) -> OpenApiResponse:
    errors = {f: serializers.ListField(child=serializers.CharField(), required=False)
              for f in [*fields, "non_field_errors"]}
    return OpenApiResponse(inline_serializer(name, errors),
                           description=_("Bad input: a list of messages under each field named."))


NOT_FOUND = OpenApiResponse(ErrorSerializer, description=_(
    "Not vendor staff with a second factor (partners included, even for their own deal), or "
    "no such object."))
FORBIDDEN = OpenApiResponse(ErrorSerializer, description=_(
    "Staff without the partner-owner or program-admin role (sales owners may only read)."))
CONFLICT = OpenApiResponse(InvalidStateSerializer, description=_(
    "The deal or task moved on (someone decided first); `status` is its current status."))


def _decision_responses(errors: OpenApiResponse) -> dict:
    return {200: StaffDealSerializer, 400: errors, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}


# --- Views ------------------------------------------------------------------------------------


def _int_pk(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _deal_detail(pk) -> Deal:
    """The staff deal with its decisions loaded for the serializer."""
    deal = selectors.staff_deal_get(pk=_int_pk(pk))
    deal.decision_rows = list(Decision.objects.filter(deal=deal)
                              .select_related("actor", "reason_code").order_by("created_at", "id"))
    return deal


def _validated(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(operation_id="v1_staff_deals_list", summary=_("Every deal, with the queue's filters"),
                       responses={200: StaffDealSummarySerializer(many=True), 400: _field_errors(
                           "StaffDealFilterError", list(StaffDealFilter.base_filters)),
                           404: NOT_FOUND}),
    retrieve=extend_schema(operation_id="v1_staff_deals_retrieve",
                           summary=_("One deal with screening, tasks, decisions and blockers"),
                           responses={200: StaffDealSerializer, 404: NOT_FOUND}),
)
class StaffDealViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Vendor staff's deals: read, accept, reject, ask for information; through the same
    services as the staff pages. Another user than staff with a second factor gets 404."""

    permission_classes = STAFF_PERMISSIONS
    serializer_class = StaffDealSummarySerializer
    filterset_class = StaffDealFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deal.objects.none()
        return selectors.staff_deal_list().select_related("sales_owner").prefetch_related(
            "stop_rule_hits",
            Prefetch("review_tasks", queryset=ReviewTask.objects.open().select_related("assignee"),
                     to_attr="open_tasks"),
        )

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _deal_response(self, pk) -> Response:
        return Response(StaffDealSerializer(_deal_detail(pk), context=self.get_serializer_context()).data)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return self._deal_response(pk)

    @extend_schema(operation_id="v1_staff_deals_accept", summary=_("Accept a deal in review"),
                   request=AcceptRequestSerializer, responses=_decision_responses(
                       _field_errors("AcceptError", ["reason", "override_reason", "sales_owner"])))
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept: starts the protection window, assigns the sales owner, hands the deal to
        sales (unless a conflict is open). Blockers need `override_reason`."""
        data = _validated(AcceptRequestSerializer, request)
        services.deal_accept(actor=request.user, deal=_deal_detail(pk), reason=data["reason"],
                             override_reason=data["override_reason"], sales_owner=data["sales_owner"])
        return self._deal_response(pk)

    @extend_schema(operation_id="v1_staff_deals_reject", summary=_("Reject a deal in review"),
                   request=RejectRequestSerializer, responses=_decision_responses(
                       _field_errors("RejectError", ["reason_code", "note", "reason"])))
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject with a reason code and a note the partner reads; the deal's tasks end."""
        data = _validated(RejectRequestSerializer, request)
        services.deal_reject(actor=request.user, deal=_deal_detail(pk), reason_code=data["reason_code"],
                             note=data["note"], reason=data["reason"])
        return self._deal_response(pk)

    @extend_schema(operation_id="v1_staff_deals_request_info",
                   summary=_("Ask the partner for more information"),
                   request=RequestInfoRequestSerializer, responses=_decision_responses(
                       _field_errors("RequestInfoError", ["question"])))
    @action(detail=True, methods=["post"], url_path="request-info", url_name="request-info")
    def request_info(self, request: Request, pk: str | None = None) -> Response:
        """The needs-info decision: the deal waits in `needs_info`, the review's SLA clock stops."""
        data = _validated(RequestInfoRequestSerializer, request)
        services.deal_request_info(actor=request.user, deal=_deal_detail(pk), question=data["question"])
        return self._deal_response(pk)

    @extend_schema(operation_id="v1_staff_deals_screening", summary=_("What screening found"),
                   responses={200: ScreeningSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def screening(self, request: Request, pk: str | None = None) -> Response:
        """Matches, stop-rule hits, the summary and each step's timing."""
        return Response(ScreeningSerializer(selectors.staff_deal_get(pk=_int_pk(pk))).data)


@extend_schema_view(
    list=extend_schema(operation_id="v1_staff_tasks_list", summary=_("Review tasks (open by default)"),
                       responses={200: StaffTaskSerializer(many=True), 400: _field_errors(
                           "StaffTaskFilterError", list(StaffTaskFilter.base_filters)),
                           404: NOT_FOUND}),
)
class StaffTaskViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Review tasks, soonest due first; assign one to a staff user (claim: to yourself)."""

    permission_classes = STAFF_PERMISSIONS
    serializer_class = StaffTaskSerializer
    filterset_class = StaffTaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewTask.objects.none()
        return ReviewTask.objects.select_related("deal", "partner", "assignee").order_by("due_at", "id")

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(operation_id="v1_staff_tasks_assign", summary=_("Assign (or claim) an open task"),
                   request=AssignRequestSerializer,
                   responses={200: StaffTaskSerializer, 400: _field_errors("AssignError", ["assignee"]),
                              403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        task = ReviewTask.objects.filter(pk=_int_pk(pk)).first()
        if task is None:
            raise Http404
        data = _validated(AssignRequestSerializer, request)
        services.review_task_assign(actor=request.user, task=task, assignee=data["assignee"])
        task = self.get_queryset().get(pk=task.pk)
        return Response(self.get_serializer(task).data)


class RejectionReasonListView(APIView):
    """GET /api/v1/staff/rejection-reasons/ — the active codes `reject` takes."""

    permission_classes = STAFF_PERMISSIONS

    @extend_schema(operation_id="v1_staff_rejection_reasons_list",
                   summary=_("Active rejection reasons"),
                   responses={200: RejectionReasonSerializer(many=True), 404: NOT_FOUND})
    def get(self, request: Request) -> Response:
        reasons = RejectionReason.objects.filter(active=True).order_by("position", "label")
        return Response(RejectionReasonSerializer(reasons, many=True).data)


class DealScreeningView(APIView):
    """GET /api/v1/deals/{id}/screening/ — the screening route's old path, kept working;
    the same answer as /api/v1/staff/deals/{id}/screening/."""

    permission_classes = [IsStaffWithSecondFactor]

    @extend_schema(operation_id="v1_deals_screening_retrieve", responses={200: ScreeningSerializer, 404: NOT_FOUND})
    def get(self, request: Request, pk: int) -> Response:
        deal = selectors.staff_deal_get(pk=pk)
        return Response(ScreeningSerializer(deal).data)
