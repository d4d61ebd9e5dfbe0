"""Staff pages, one module per area: the queue, the deal page, handoffs, notifications."""
