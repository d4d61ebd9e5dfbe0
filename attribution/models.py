"""Attribution and commissions (built by the attribution issue)."""
