from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    """Staff review pages: deal queue, deal detail with audit trail, questions."""

    name = "reviews"
