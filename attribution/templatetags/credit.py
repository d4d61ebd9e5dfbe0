"""The partner's own credit on one of its deals, for the partner deal page.

The deal page's view belongs to the leads app; this tag reads the attribution app's
scoped selector so the page can show "Your credit: 40% influenced" without the leads
view learning about attribution. It returns the signed-in partner's own lines only.
"""

from django import template

from attribution.selectors import deal_attribution_for_partner

register = template.Library()

# Where a deal has a credit worth showing: decided and going on, or merged into another.
CREDIT_STATUSES = {"accepted", "converted", "won", "lost", "merged"}


@register.simple_tag(takes_context=True)
def own_credit(context, deal) -> list:
    """The current partner's own decided lines on `deal` (or on the deal it was merged
    into); an empty list for anyone else or for a deal still undecided."""
    partner = context.get("current_partner")  # the signed-in partner (context processor)
    if partner is None or deal is None or deal.partner_id != partner.pk or deal.status not in CREDIT_STATUSES:
        return []
    return list(deal_attribution_for_partner(partner=partner, deal=deal))
