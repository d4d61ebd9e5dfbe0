"""Staff read API: what screening found for a deal."""

from allauth.mfa.utils import is_mfa_enabled
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads import selectors
from leads.models import DuplicateMatch, QualificationSummary, ScreeningStep, StopRuleHit
from partners.auth import session_used_mfa


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
    submitted_at = serializers.DateTimeField()
    screening_started_at = serializers.DateTimeField()
    screening_finished_at = serializers.DateTimeField()

    def get_recommendation(self, deal) -> str | None:
        summary = getattr(deal, "summary", None)
        return summary.recommendation if summary else None


class DealScreeningView(APIView):
    """GET /api/v1/deals/{id}/screening/ — matches, stop-rule hits, summary, timings."""

    permission_classes = [IsStaffWithSecondFactor]

    @extend_schema(responses=ScreeningSerializer)
    def get(self, request: Request, pk: int) -> Response:
        deal = selectors.staff_deal_get(pk=pk)
        return Response(ScreeningSerializer(deal).data)
