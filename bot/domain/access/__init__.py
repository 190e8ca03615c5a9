"""Who may see and who may change an incident."""
