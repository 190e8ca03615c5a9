"""Benchmarks of declare-bot against the loopback emulators: `python -m bench.run`.

run.py        the command line: runs every figure, prints the table, writes JSON
common.py     the emulators, apps served in their own processes, call timing
baseline.py   the bare Bolt app the modal figure is compared with (`python -m bench.baseline`)
latency.py    figure 1 (open the modal) and figure 2 (submit to announcement and reply)
surge.py      figure 3 (200 submissions against a rate-limited Datadog)
footprint.py  figure 4 (cold start to ready, idle RSS) of a real `python -m bot`
alerts.py     figure 5 (message shortcut on a monitor alert: form open, then filled)
stats.py      percentiles and medians over runs
report.py     the machine, the table and the JSON document
"""
