"""How work is carried out exactly once: leases, bounded retries, how steps fail, what is
observed.
"""
