"""Review tasks and decisions (built by the review-dashboard issue)."""
