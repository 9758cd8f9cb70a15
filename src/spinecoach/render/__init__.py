"""What people see and hear: the overlay, the HTML report, spoken cues, the per-frame trace."""
