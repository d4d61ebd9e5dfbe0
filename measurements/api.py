"""GET /api/v1/staff/measurements/?month=2026-11 — the program's measures for vendor staff.

The same selectors as the staff dashboard (`measurements.selectors`), one month (or a
range with month_from / month_to), optionally one partner or tier, grouped by partner,
tier or month. Anyone but staff with a second factor gets 404, partners included.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as DrfValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from measurements.forms import MeasurementFilterForm, this_month
from measurements.presentation import api_payload
from measurements.selectors import (
    BY_CHOICES,
    BY_PARTNER,
    COUNT,
    HOURS,
    PER_100,
    RATE,
    measurements_read,
)
from reviews.api import NOT_FOUND, IsStaffWithSecondFactor, _field_errors


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=[COUNT, RATE, PER_100, HOURS], help_text=_(
        "count; rate (a fraction 0–1); per100; hours"))


class MeasureRowSerializer(serializers.Serializer):
    month = serializers.CharField(help_text=_("YYYY-MM: the month of the measure's date."))
    partner = RefSerializer(allow_null=True, help_text=_("Null unless grouped by partner."))
    tier = RefSerializer(allow_null=True, help_text=_("Null when grouped by month."))
    values = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text=_(
        "Each column's value by its key; null where the denominator is 0."))


class MeasureSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    date = serializers.CharField(help_text=_("The date that places a record in a month."))
    columns = ColumnSerializer(many=True)
    rows = MeasureRowSerializer(many=True)


class MeasurementsSerializer(serializers.Serializer):
    month_from = serializers.CharField()
    month_to = serializers.CharField()
    by = serializers.ChoiceField(choices=[value for value, _label in BY_CHOICES])
    measures = MeasureSerializer(many=True)


def _filters(params) -> MeasurementFilterForm:
    """The dashboard's filter form from the query: `month` is one month (month_from and
    month_to a range); no month at all is the current month."""
    data = {key: params.get(key) for key in ("month_from", "month_to", "partner", "tier", "by")
            if params.get(key)}
    month = params.get("month")
    if month is not None:
        data["month_from"] = data["month_to"] = month
    elif "month_from" not in data and "month_to" not in data:
        data["month_from"] = data["month_to"] = this_month().strftime("%Y-%m")
    data.setdefault("by", BY_PARTNER)
    return MeasurementFilterForm(data)


def _errors(form: MeasurementFilterForm, params) -> dict[str, list[str]]:
    """The form's messages under the query parameter the caller sent."""
    errors = {}
    for field, messages in form.errors.items():
        name = "month" if field.startswith("month") and "month" in params else field
        errors.setdefault(name, []).extend(str(m) for m in messages)
    return errors


class StaffMeasurementsView(APIView):
    """The program's measures for one month (or a range), each with its definition."""

    permission_classes = [IsStaffWithSecondFactor]

    @extend_schema(
        operation_id="v1_staff_measurements_retrieve",
        summary=_("The program's measures by partner, tier and month"),
        parameters=[
            OpenApiParameter("month", str, description=_(
                "YYYY-MM, one month (default: the current month)")),
            OpenApiParameter("month_from", str, description=_("YYYY-MM, first month of a range")),
            OpenApiParameter("month_to", str, description=_("YYYY-MM, last month of a range")),
            OpenApiParameter("partner", int, description=_("one partner organization's id")),
            OpenApiParameter("tier", int, description=_("one tier's id")),
            OpenApiParameter("by", str, enum=[value for value, _label in BY_CHOICES],
                             description=_("grouping (default: partner)")),
        ],
        responses={200: MeasurementsSerializer,
                   400: _field_errors("MeasurementsError",
                                      ["month", "month_from", "month_to", "partner", "tier", "by"]),
                   404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        filters = _filters(request.query_params)
        if not filters.is_valid():
            raise DrfValidationError(_errors(filters, request.query_params))
        scope = filters.scope()
        results = measurements_read(filters.chosen_partner(), scope=scope)
        return Response(api_payload(results, scope))

