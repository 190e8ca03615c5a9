"""`declare-bot check` says whether DECLARE_STATUS_PAGE is a page the keys can read and
publish on, changing nothing, and says nothing of status pages when it is not set."""

from __future__ import annotations

import re

from bot.emulators.stack import LocalStack
from tests.app.test_check import check, line

READ = "DECLARE_STATUS_PAGE is a status page the key can read"
WRITE = "Datadog application key can publish notices there"


def test_a_readable_and_writable_page_is_two_ticks(stack: LocalStack) -> None:
    page_id = stack.datadog.add_status_page("Acme status")
    code, output = check(stack, DECLARE_STATUS_PAGE=page_id)
    assert code == 0, output
    assert "Acme status: Application / Login, Application / Settings" in line(output, f"✓ {READ}")
    assert "status_pages_incident_write" in line(output, f"✓ {WRITE}")
    _, without = check(stack)
    counted = re.search(r"All (\d+) checks passed", without)
    assert counted and f"All {int(counted.group(1)) + 2} checks passed" in output
    assert stack.datadog.page_degradations(page_id) == [], "the probe changes nothing"


def test_a_wrong_page_id_or_missing_permissions_fail_with_the_fix(stack: LocalStack) -> None:
    code, output = check(stack, DECLARE_STATUS_PAGE="00000000-0000-0000-0000-00000000dead")
    assert code == 1
    assert "no status page 00000000-0000-0000-0000-00000000dead" in line(output, f"✗ {READ}")
    page_id = stack.datadog.add_status_page()
    stack.datadog.permissions.discard("status_pages_incident_write")
    code, output = check(stack, DECLARE_STATUS_PAGE=page_id)
    assert code == 1 and f"✓ {READ}" in output
    assert "status_pages_incident_write permission" in line(output, f"✗ {WRITE}")
    stack.datadog.permissions.discard("status_pages_settings_read")
    code, output = check(stack, DECLARE_STATUS_PAGE=page_id)
    assert "status_pages_settings_read permission" in line(output, f"✗ {READ}")


def test_no_status_page_no_lines(stack: LocalStack) -> None:
    code, output = check(stack)
    assert code == 0 and "status page" not in output.lower()
