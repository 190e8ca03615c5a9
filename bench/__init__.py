"""Benchmarks of declare-bot against the loopback emulators: `python -m bench.run`.

Each figure has a number and a concept name, listed once in figures.py; docs/benchmarks.md
uses the same numbers.

run.py          the command line: runs every figure, prints the table, writes JSON
figures.py      every figure's number, concept, `--only` name and JSON key
common.py       the emulators, apps served in their own processes, call timing
baseline.py     the bare Bolt app the modal figure is compared with (`python -m bench.baseline`)
latency.py      figure 1 (open the modal) and figure 2 (submit to announcement and reply)
startup.py      figure 1b (first /declare after a start)
surge.py        figure 3 (surge: 200 submissions against a rate-limited Datadog)
replicas.py     figure 3b (the surge over replicas sharing one Redis)
footprint.py    figure 4 (footprint: cold start to ready, idle RSS) of a real `python -m bot`
alerts.py       figure 5 (monitor alert: message shortcut on an alert, form open, then filled)
placeholder.py  figure 6 (placeholder: when the channel sees the declaration, before and after)
slow_datadog.py figure 7 (slow Datadog: Slack's 3 seconds while Datadog's reads are held)
lifecycle.py    figure 8 (lifecycle: Update, card edits, the sync's Datadog calls), reported
                by lifecycle_figure.py
channel.py      figure 9 (incident channel: submit to the pointer in the origin channel)
stats.py        percentiles and medians over runs
cells.py        the table's row type and cell formatters
report.py       the machine, the table and the JSON document
"""
