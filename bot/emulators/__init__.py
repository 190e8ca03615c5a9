"""Slack and Datadog on loopback, for the tests, the benchmark and the sandbox.

`slack/` and `datadog/` are the emulators; `stack.LocalStack` runs both with the real bot,
`driver` acts as people in Slack and `personas` names the people and channels it seeds.
"""
