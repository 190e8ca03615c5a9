"""The domain: a validated declaration and the steps that make it an incident."""
