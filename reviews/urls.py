from django.urls import path

from partners import views as partner_views
from reviews import imports
from reviews.views import attribution, deal, handoff, measurements, queue, vendor_leads

app_name = "reviews"

urlpatterns = [
    path("", queue.review_queue, name="queue"),
    path("deals/", queue.deal_list, name="deal-list"),
    path("deals/<int:pk>/", deal.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/ask/", deal.question_ask, name="question-ask"),
    path("deals/<int:pk>/accept/", deal.deal_accept, name="deal-accept"),
    path("deals/<int:pk>/reject/", deal.deal_reject, name="deal-reject"),
    path("tasks/<int:pk>/claim/", deal.task_claim, name="task-claim"),
    path("tasks/<int:pk>/assign/", deal.task_assign, name="task-assign"),
    path("tasks/<int:pk>/close/", deal.task_close, name="task-close"),
    path("extensions/<int:pk>/decide/", deal.extension_decide, name="extension-decide"),
    path("handoffs/", handoff.handoff_list, name="handoff-list"),
    path("handoffs/<int:pk>/", handoff.handoff_detail, name="handoff-detail"),
    path("conflicts/", attribution.conflict_list, name="conflict-list"),
    path("conflicts/<int:pk>/", attribution.conflict_detail, name="conflict-detail"),
    path("conflicts/<int:pk>/resolve/", attribution.conflict_resolve, name="conflict-resolve"),
    path("commissions/", attribution.commission_list, name="commission-list"),
    path("commissions/<int:pk>/approve/", attribution.commission_approve, name="commission-approve"),
    path("payouts/", attribution.payout_list, name="payout-list"),
    path("payouts/issue/", attribution.payout_issue, name="payout-issue"),
    path("payouts/<int:pk>/", attribution.payout_detail, name="payout-detail"),
    path("payouts/<int:pk>/csv/", attribution.payout_csv, name="payout-csv"),
    path("payouts/<int:pk>/paid/", attribution.payout_mark_paid, name="payout-mark-paid"),
    path("disputes/", attribution.dispute_list, name="dispute-list"),
    path("disputes/<int:pk>/", attribution.dispute_detail, name="dispute-detail"),
    path("disputes/<int:pk>/resolve/", attribution.dispute_resolve_view, name="dispute-resolve"),
    path("disputes/attachments/<int:pk>/", attribution.dispute_attachment,
         name="dispute-attachment"),
    path("partners/<int:pk>/profile/", partner_views.staff_partner_profile,
         name="partner-profile"),
    path("measurements/", measurements.measurements_dashboard, name="measurements"),
    path("measurements/export.csv", measurements.measurements_csv, name="measurements-csv"),
    path("imports/", imports.crm_import_list, name="crm-import-list"),
    path("imports/<int:pk>/", imports.crm_import_detail, name="crm-import-detail"),
    path("imports/<int:pk>/errors.csv", imports.crm_import_errors, name="crm-import-errors"),
    path("vendor-leads/", vendor_leads.vendor_lead_queue, name="vendor-lead-queue"),
    path("vendor-leads/new/", vendor_leads.vendor_lead_new, name="vendor-lead-new"),
    path("vendor-leads/<int:pk>/", vendor_leads.vendor_lead_detail, name="vendor-lead-detail"),
    path("vendor-leads/<int:pk>/offer/", vendor_leads.vendor_lead_offer, name="vendor-lead-offer"),
    path("vendor-leads/offers/<int:pk>/approve/", vendor_leads.vendor_lead_offer_approve,
         name="vendor-lead-offer-approve"),
    path("vendor-leads/imports/", vendor_leads.vendor_lead_import_list,
         name="vendor-lead-import-list"),
    path("vendor-leads/imports/<int:pk>/", vendor_leads.vendor_lead_import_detail,
         name="vendor-lead-import-detail"),
]
